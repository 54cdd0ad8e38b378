"""generate layer: the template pipeline (the code contract's offline generator), report, notebook."""

from autokaggle.generate.options import PipelineOptions, RenderedPipeline
from autokaggle.generate.pipeline import render_pipeline

__all__ = ["PipelineOptions", "RenderedPipeline", "render_pipeline"]
