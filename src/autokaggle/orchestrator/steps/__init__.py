"""Built-in steps; ``registry.registered_steps`` imports them, which registers them in run order.

The package itself imports none of them, so that importing one step module (or a module a step
uses, such as ``orchestrator.search_run``) does not import every other step first.
"""
