"""Pretrained encoders (transformers): fine-tuning, inference, explanations, MLM pre-training.

Everything here imports torch/transformers inside functions, so importing this package
is cheap. Modules:

- :mod:`.hub`: a base model by local folder or hub name; tokenizers (KoBERT's SentencePiece
  model included) with character offsets.
- :mod:`kotext.classifiers.transformer`: :class:`TransformerClassifier`, the ``"transformer"`` method behind the
  ``classifier.v1`` stage (length-sorted batches, sliding windows, int8 quantization,
  gradient x input attributions).
- :mod:`.train`: ``kotext train classifier --method transformer``.
- :mod:`.pretrain`: ``kotext pretrain``: a WordPiece vocabulary and a small BERT trained
  with masked-language-model pre-training.
"""
