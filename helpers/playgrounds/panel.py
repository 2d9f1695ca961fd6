"""The shape every playground shares: sliders, an Output widget, and a callback that
reruns the lesson's traffic and redraws when a slider is released."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

#: (slider kind "int" or "float", start value, (min, max, step), label)
Control = tuple[str, float, tuple[float, float, float], str]


def panel(
    controls: Sequence[Control],
    redraw: Callable[..., Any],
    caption: Callable[[Any], str],
) -> Any:
    """An ``ipywidgets.VBox`` of one slider per control and an ``Output`` showing the
    figure of ``redraw(*slider values)`` (its ``.figure``) and ``caption(run)``.

    Drawn once for the start values and again whenever a slider is released. The box's
    ``redraw`` attribute is the callback and ``last_run`` the latest run.
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
    box = widgets.VBox((*sliders, output))

    def update(_change: Any = None) -> None:
        run = redraw(*(s.value for s in sliders))
        box.last_run = run
        # The figure goes into the Output widget's own state (not through the cell's output
        # stream), so the cell's saved output is only the widget, whatever is drawn in it.
        output.outputs = ()
        if get_ipython() is not None:
            output.append_display_data(run.figure)
        plt.close(run.figure)  # drawn in the widget only, not again below the cell
        output.append_stdout(caption(run) + "\n")

    for slider in sliders:
        slider.observe(update, names="value")
    update()
    box.redraw = redraw
    return box
