"""Trainers: ``kotext train classifier`` and friends."""
