"""Competition pages arrive as HTML; they are saved as readable markdown."""

from __future__ import annotations

from autokaggle.kaggle.htmlmd import page_to_markdown


def test_html_becomes_markdown_with_inline_marks_links_and_code_blocks() -> None:
    html = ('<h2>Evaluation</h2><p><b>x</b> <em>y</em> <code>z</code> <a href="u">l</a></p>'
            "<pre><code>a=1</code></pre><script>alert(1)</script><ul><li>one</li><li>two</li></ul>")
    text = page_to_markdown(html, "text/html")
    assert text.startswith("## Evaluation\n\n**x** *y* `z` [l](u)\n\n```\na=1\n```")
    assert "alert" not in text and "- one" in text and "- two" in text


def test_markdown_pages_pass_through() -> None:
    assert page_to_markdown("# Title\n\nbody", "text/markdown").strip() == "# Title\n\nbody"
