"""Readers and writers: every input becomes a stream of rows; every output is atomic."""
