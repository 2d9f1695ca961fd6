"""The shape every playground shares: sliders, an Output widget, and a callback that
reruns the lesson's traffic and redraws when a slider is released.

Two things make a playground behave as a learner expects in JupyterLab:

- **it outlives the clean-up cell**: the playground *holds* what it drives (its API and the
  functions and roles behind it) with :meth:`helpers.lab.Lab.hold`, so ``lab.cleanup()`` at
  the end of the notebook keeps them and says so, and *Run All* leaves a live playground. Its
  **Done** button deletes them (:meth:`helpers.lab.Lab.release`); on the aws target so does
  the kernel's exit.
- **its errors show in the widget**: a callback that fails (say the API was deleted) writes
  the error into the playground's own output, where the learner is looking, instead of
  JupyterLab's log console.

A saved notebook has no live widgets: the playground's output then shows the figure it drew
for the starting values (an ``image/png`` beside the widget view), and a one-line note as
its plain text instead of the ``VBox(children=...`` repr.
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Callable, Sequence
from typing import Any

#: (slider kind "int" or "float", start value, (min, max, step), label)
Control = tuple[str, float, tuple[float, float, float], str]

#: what a saved notebook (no live kernel) shows as the playground's plain text
SAVED_NOTE = (
    "Playground ({labels}): live in JupyterLab — run the notebook, then move the sliders. "
    "The figure is the one drawn for the starting values."
)
#: what the widget says when a redraw fails
ERROR_HINT = (
    "If the clean-up cell or the Done button deleted what the playground uses, run the "
    "notebook again from the top."
)


@functools.cache
def _playground_class() -> type:
    import ipywidgets as widgets

    class Playground(widgets.VBox):  # type: ignore[misc]
        """A VBox of sliders and an Output, displayed with a static figure for saved copies."""

        saved_png: str | None = None
        saved_note: str = ""

        def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
            bundle: dict[str, Any] = super()._repr_mimebundle_(**kwargs)
            bundle["text/plain"] = self.saved_note
            if self.saved_png is not None:
                bundle["image/png"] = self.saved_png
            return bundle

    return Playground


def _png(figure: Any) -> str | None:
    """The figure as the inline backend would draw it (base64 PNG), or None outside IPython."""
    try:
        from IPython.core.pylabtools import print_figure
    except ImportError:  # pragma: no cover - IPython ships with ipywidgets
        return None
    data = print_figure(figure, fmt="png", bbox_inches="tight")
    return base64.b64encode(data).decode("ascii") if data else None


def panel(
    controls: Sequence[Control],
    redraw: Callable[..., Any],
    caption: Callable[[Any], str],
    *,
    lab: Any = None,
    needs: Sequence[str] = (),
) -> Any:
    """An ``ipywidgets.VBox`` of one slider per control and an ``Output`` showing the
    figure of ``redraw(*slider values)`` (its ``.figure``) and ``caption(run)``.

    Drawn once for the start values and again whenever a slider is released. The box's
    ``redraw`` attribute is the callback and ``last_run`` the latest run. With ``lab`` and
    ``needs`` (resources named as ``lab.cleanup()`` names them), the playground holds them
    through ``lab.cleanup()`` and gets a **Done** button that deletes them.
    """
    import ipywidgets as widgets
    import matplotlib.pyplot as plt
    from IPython import get_ipython

    style = {"description_width": "12em"}
    layout = widgets.Layout(width="34em")
    sliders = [
        (widgets.IntSlider if kind == "int" else widgets.FloatSlider)(
            value=int(value) if kind == "int" else float(value),
            min=bounds[0],
            max=bounds[1],
            step=bounds[2],
            description=label,
            continuous_update=False,
            style=style,
            layout=layout,
        )
        for kind, value, bounds, label in controls
    ]
    output = widgets.Output()
    children: list[Any] = [*sliders]
    done = None
    if lab is not None and needs:
        done = widgets.Button(
            description="Done: delete its API",
            tooltip="delete what this playground uses (" + ", ".join(needs) + ")",
            icon="trash",
            layout=widgets.Layout(width="auto"),
        )
        children.append(done)
    children.append(output)
    box = _playground_class()(tuple(children))
    box.saved_note = SAVED_NOTE.format(labels=", ".join(label for *_, label in controls))

    def draw() -> Any:
        run = redraw(*(s.value for s in sliders))
        box.last_run = run
        # The figure goes into the Output widget's own state (not through the cell's output
        # stream), so the cell's saved output is only the widget, whatever is drawn in it.
        output.outputs = ()
        if get_ipython() is not None:
            output.append_display_data(run.figure)
        plt.close(run.figure)  # drawn in the widget only, not again below the cell
        output.append_stdout(caption(run) + "\n")
        return run

    def update(_change: Any = None) -> None:
        try:
            draw()
        except Exception as exc:  # shown where the learner looks, not in the log console
            output.outputs = ()
            output.append_stderr(
                f"The playground could not redraw: {type(exc).__name__}: {exc}\n{ERROR_HINT}\n"
            )

    for slider in sliders:
        slider.observe(update, names="value")
    first = draw()
    if get_ipython() is not None:
        box.saved_png = _png(first.figure)
    box.redraw = redraw

    if done is not None:
        lab.hold(box, list(needs))

        def finish(_button: Any) -> None:
            deleted = lab.release(box)
            for widget in (*sliders, done):
                widget.disabled = True
            output.append_stdout(
                f"Done: deleted {', '.join(deleted) or 'nothing (already gone)'}.\n"
            )

        done.on_click(finish)
        box.done = lambda: finish(done)
    return box
