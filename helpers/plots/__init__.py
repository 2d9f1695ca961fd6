"""Matplotlib figures the notebooks draw from what the data plane did (titles, labelled
axes and legends on every one)."""
