"""Metrics: classification report and confusion matrix (summarization ROUGE comes later)."""

from .classification import classification_report, format_report, plot_confusion

__all__ = ["classification_report", "format_report", "plot_confusion"]
