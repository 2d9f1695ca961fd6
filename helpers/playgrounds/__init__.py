"""ipywidgets playgrounds: sliders whose callbacks run real traffic through the data plane
and redraw a figure. Each playground's callback is a plain function, tested in pytest."""
