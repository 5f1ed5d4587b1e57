"""kotext train classifier / summarizer, and pretrain: parse the options, call the trainers."""

from __future__ import annotations

from functools import wraps
from pathlib import Path
from typing import Any

import click

from ..classifiers import methods_of
from ..errors import UsageError, require
from .base import (CONTEXT, DEVICE_HELP, _log, _model_folder, _report, _stage_progress,
                   device_option, encoding_option, main, text_column_option)
from .classify import _labeled, label_options

RNN_METHODS = methods_of("kotext.classifiers.rnn")  # gru, lstm


@main.group(context_settings=CONTEXT)
def train() -> None:
    """Train models on your own data: classifiers and summarizers.

    \b
    Examples:
      kotext train classifier --train reviews.csv --text-column document \\
          --label-column label --label-map 0=negative,1=positive -o models/my-model
      kotext train classifier --method transformer --base klue/bert-base --train ... -o ...
      kotext train summarizer --train pairs.jsonl --model ./kobart-base -o models/my-sum

    See `kotext train classifier --help` and `kotext train summarizer --help`.
    """


def _options_from_toml(ctx: click.Context, param: click.Parameter, value: str | None):
    """``--config FILE.toml``: option defaults from a TOML file (top-level keys, or a
    [train] / [train.classifier] / [pretrain] table, named like the flags: lr, base,
    batch-size, ...). Flags given on the command line win."""
    if not value:
        return value

    from ..config import read_toml

    data = read_toml(Path(value))
    # top-level keys, then [train], then [train.classifier] (or [pretrain]): each layer
    # over the one before (top-level keys beside a [train.classifier] table were dropped,
    # unknown ones included)
    table: dict[str, Any] = {}
    layer = data
    while True:
        table.update({k: v for k, v in layer.items() if not isinstance(v, dict)})
        nxt = next((layer[k] for k in ("train", ctx.info_name)
                    if isinstance(layer.get(k), dict)), None)
        if nxt is None:
            break
        layer = nxt
    flags = {}
    for p in ctx.command.params:
        for opt in [*p.opts, *getattr(p, "secondary_opts", [])]:
            if opt.startswith("--"):
                flags[opt[2:]] = p.name
    defaults = dict(ctx.default_map or {})
    for key, val in table.items():
        if isinstance(val, dict):
            continue
        name = flags.get(str(key).replace("_", "-"))
        if name is None or name == param.name:
            raise UsageError(f"{value}: unknown option {key!r} for `kotext "
                             f"{ctx.command_path.split(' ', 1)[-1]}`; options are: "
                             f"{', '.join(sorted(k for k in flags if k != 'config'))}")
        defaults[name] = val
    ctx.default_map = defaults
    return value


def config_option(f):
    return click.option("--config", default=None, metavar="FILE.toml", is_eager=True,
                        expose_value=False, callback=_options_from_toml,
                        type=click.Path(exists=True, dir_okay=False),
                        help="Read option values from a TOML file (keys named like the "
                             "flags, e.g. lr = 3e-5); flags given here win.")(f)


def transformer_options(f):
    """`train classifier --method transformer` options, handed over as transformer_params."""
    opts = [
        ("--base", dict(metavar="NAME|DIR", help="Pretrained encoder: a hub name (klue/bert-"
                        "base, klue/roberta-base, skt/kobert-base-v1) or a local folder "
                        "(save_pretrained, hf download, `kotext pretrain`).")),
        ("--lr", dict(type=float, help="Peak learning rate (transformer 3e-5; gru/lstm 2e-3).")),
        ("--warmup", dict(type=float, help="Warmup: a share of the steps (0.1) or a number "
                          "of steps.")),
        ("--decay", dict(type=click.Choice(["linear", "cosine", "constant"]),
                         help="Learning-rate decay after warmup (linear).")),
        ("--batch-size", dict(type=click.IntRange(1), help="Texts per batch (transformer 32; gru/lstm 128).")),
        ("--grad-accum", dict(type=click.IntRange(1), help="Batches per optimizer step (1).")),
        ("--epochs", dict(type=click.IntRange(1), help="Maximum epochs (transformer 3; gru/lstm 5).")),
        ("--patience", dict(type=click.IntRange(0), help="Stop after N epochs without a "
                            "better validation metric (2; 0 = off).")),
        ("--metric", dict(type=click.Choice(["macro_f1", "accuracy"]),
                          help="Validation metric for early stopping (macro_f1).")),
        ("--max-length", dict(type=click.IntRange(8), help="Tokens per window (128); longer "
                              "texts are read in overlapping windows. gru/lstm: tokens kept "
                              "(64).")),
        ("--freeze", dict(metavar="WHAT", help="Freeze: embeddings, N (embeddings + first N "
                          "layers) or encoder (train only the head).")),
        ("--label-smoothing", dict(type=float, help="Label smoothing (transformer 0; gru/lstm 0.05).")),
        ("--dropout", dict(type=float, help="Dropout (transformer: the model's own; gru/lstm 0.3).")),
        ("--weight-decay", dict(type=float, help="AdamW weight decay (transformer 0.01; gru/lstm 0).")),
        ("--max-grad-norm", dict(type=float, help="Gradient clipping norm (1.0; 0 = off).")),
        ("--sampler", dict(type=click.Choice(["balanced", "weighted"]), help="gru/lstm/"
                           "transformer: draw each epoch's rows class-evenly (instead of "
                           "--class-weight balanced; weighted is an older name).")),
        ("--fp16", dict(is_flag=True, default=None, help="Mixed precision on a GPU.")),
        ("--device", dict(metavar="DEVICE", help=DEVICE_HELP)),
        ("--resume", dict(is_flag=True, default=None, help="Continue from FOLDER.checkpoint "
                          "(written after every epoch).")),
        ("--max-steps", dict(type=click.IntRange(1), help="Stop after N optimizer steps.")),
    ]
    for flag, kw in reversed(opts):
        f = click.option(flag, "tx_" + flag[2:].replace("-", "_"), **kw)(f)

    @wraps(f)
    def wrapper(*args, **kwargs):
        tx = {k[3:]: kwargs.pop(k) for k in list(kwargs) if k.startswith("tx_")}
        return f(*args, transformer_params={k: v for k, v in tx.items()
                                            if v is not None and v is not False}, **kwargs)

    return wrapper


@train.command("classifier", context_settings=CONTEXT)
@config_option
@click.option("--train", "train_file", required=True, metavar="FILE",
              help="Labeled training data (.csv .tsv .jsonl .parquet).")
@label_options
@click.option("-o", "--output", required=True, metavar="FOLDER", help="Model folder to write.",
              callback=_model_folder)
@click.option("--method", default="linear", show_default=True,
              type=click.Choice(["linear", "transformer", *RNN_METHODS, "ensemble"]),
              help="linear: logistic regression over hashed character + morpheme n-grams; "
                   "transformer: fine-tune a pretrained encoder (--base); gru/lstm: a "
                   "bidirectional GRU/LSTM with attention over word vectors (--vectors); "
                   "ensemble: combine trained models (--members).")
@click.option("--eval", "eval_file", default=None, metavar="FILE",
              help="A labeled test file, reported in the model card.")
@click.option("--eval-text-column", default=None, metavar="NAME",
              help="--eval's text column, where it differs from --text-column.")
@click.option("--eval-label-column", default=None, metavar="NAME",
              help="--eval's label column, where it differs from --label-column.")
@click.option("--eval-label-map", default=None, metavar="MAP",
              help="--eval's label map, where it differs from --label-map (e.g. training on "
                   "ratings, testing on 0/1 labels).")
@click.option("--val-fraction", default=0.1, show_default=True, type=float,
              help="Share of the training data held out (stratified) for validation.")
@click.option("--refit/--no-refit", default=False, show_default=True,
              help="After validating, refit on all the training data.")
@click.option("--class-weight", default=None, type=click.Choice(["balanced"]),
              help="Weight classes inversely to their frequency (imbalanced labels).")
@click.option("--seed", default=0, show_default=True, type=int,
              help="Random seed: the same data and seed give the same model.")
@click.option("--C", "C", default=None, type=float, help="Inverse regularization (linear; 0.1 for two labels, 3 for more).")
@click.option("--char-ngrams", default=None, metavar="LO,HI", help="Character n-gram range (1,5).")
@click.option("--morph-ngrams", default=None, metavar="LO,HI", help="Morpheme n-gram range (1,3).")
@click.option("--bits", default=None, type=click.IntRange(12, 26),
              help="Hash 2**BITS feature columns (22 = 4M; the model is 8 MB per label).")
@click.option("--limit", default=None, type=click.IntRange(1), help="Use only the first N rows.")
@click.option("--name", default=None, help="Model name for the model card.")
@click.option("--members", default=None, metavar="A,B,...",
              help="ensemble: model folders trained on this file with the same --val-fraction "
                   "and --seed (no --refit); weights are fitted on those held-out rows.")
@click.option("--description", default="", help="What the model is for (model card).")
@click.option("--licence", default=None, help="Licence line for the model card.")
@click.option("--vectors", default=None, metavar="PATH",
              help="gru/lstm: word vectors to start the embeddings from (a `kotext embed "
                   "train` folder, word2vec or fastText file); --freeze embeddings keeps them.")
@click.option("--hidden", default=None, type=click.IntRange(1),
              help="gru/lstm: hidden units per direction (128).")
@click.option("--threads", default=None, type=click.IntRange(0),
              help="gru/lstm: torch CPU threads (1, fastest on a busy machine; 0: torch's "
                   "default). Results can differ slightly with the thread count.")
@click.option("--balance", is_flag=True,
              help="Use as many rows of each label as the rarest label has (a sample seeded "
                   "by --seed), e.g. to train on a balanced share of imbalanced ratings.")
@click.option("--cv", "cv", default=None, type=click.IntRange(2), metavar="K",
              help="Also cross-validate: K stratified folds (seeded by --seed); per-fold and "
                   "mean +- std accuracy and macro-F1, the per-class table; in the model card.")
@click.option("--json", "json_out", default=None, metavar="FILE",
              help="--cv: the cross-validation metrics as JSON ('-': stdout).")
@click.option("--oof", default=None, metavar="FILE.csv",
              help="--cv: write the out-of-fold predictions (row, fold, text, gold, pred, "
                   "p_LABEL...).")
@click.option("--unlabeled", default=None, metavar="FILE",
              help="Unlabeled text (any file kotext reads): pseudo-labels, or with --teacher "
                   "its soft labels.")
@click.option("--unlabeled-text-column", default=None, metavar="NAME",
              help="--unlabeled's text column, where it differs from --text-column.")
@click.option("--unlabeled-where", default=None, metavar="COL=VALUES",
              help="Use only --unlabeled rows whose column holds these values/ranges, e.g. "
                   "rating=5-8.")
@click.option("--pseudo-threshold", default=0.95, show_default=True,
              type=click.FloatRange(0, 1, min_open=True, max_open=True),
              help="Pseudo-labels: keep rows the model labels with at least this probability.")
@click.option("--pseudo-rounds", default=1, show_default=True, type=click.IntRange(1),
              help="Pseudo-labels: label, add, retrain this many times.")
@click.option("--pseudo-per-class", default=None, type=click.IntRange(1), metavar="N",
              help="Pseudo-labels: add at most N rows per label a round (the most confident).")
@click.option("--teacher", default=None, metavar="MODEL",
              help="Distill: a model folder (an ensemble too) whose soft labels on the "
                   "training rows and --unlabeled text the model trains on.")
@click.option("--temperature", default=1.0, show_default=True,
              type=click.FloatRange(0, min_open=True), help="--teacher: soften its "
              "probabilities (softmax(logits / T)).")
@click.option("--gold-weight", default=0.5, show_default=True, type=click.FloatRange(0, 1),
              help="--teacher: the gold label's share of a training row's target.")
@click.option("--aux-column", default=None, metavar="NAME",
              help="gru/lstm/transformer: train an auxiliary head on this column too "
                   "(multi-task; e.g. rating); the saved model has the main head only.")
@click.option("--aux-type", default="auto", show_default=True,
              type=click.Choice(["auto", "regression", "classes"]),
              help="--aux-column: regression (numbers) or classes; auto: regression when "
                   "every value is a number.")
@click.option("--aux-weight", default=0.5, show_default=True,
              type=click.FloatRange(0, min_open=True), help="--aux-column: its loss weight.")
@transformer_options
def train_classifier_cmd(train_file: str, text_column, label_column, label_map,
                         drop_blank_labels, encoding, output, method, eval_file,
                         eval_text_column, eval_label_column, val_fraction, refit,
                         class_weight, seed, C, char_ngrams, morph_ngrams, bits, limit,
                         name, members=None, description="", licence=None, vectors=None,
                         hidden=None, threads=None, cv=None, json_out=None, oof=None,
                         unlabeled=None, unlabeled_text_column=None, unlabeled_where=None,
                         pseudo_threshold=0.95, pseudo_rounds=1, pseudo_per_class=None,
                         teacher=None, temperature=1.0, gold_weight=0.5, aux_column=None,
                         aux_type="auto", aux_weight=0.5, eval_label_map=None, balance=False,
                         transformer_params=None) -> None:
    """Train a text classifier on your own labels (binary or multi-class).

    Writes a model folder: config.json (with the exact cleaning and tokenization settings),
    weights.safetensors and README.md (the model card, with the command that rebuilds it).

    \b
    Examples:
      kotext train classifier --train train.csv --text-column document \\
          --label-column label --label-map 0=negative,1=positive -o models/my-model
      kotext train classifier --train reviews.tsv.gz --text-column document \\
          --label-column rating --label-map 1-4=negative,5-7=neutral,8-10=positive \\
          --class-weight balanced -o models/rating3
      kotext train classifier --method transformer --base klue/bert-base \\
          --train train.tsv --eval test.tsv --label-map 0=negative,1=positive \\
          --epochs 3 --lr 3e-5 --batch-size 32 -o models/my-bert
      kotext train classifier --config train.toml --lr 2e-5   # options from TOML

    \b
    Training techniques:
      ... --cv 5 --json cv.json --oof oof.csv        # 5-fold cross-validation too
      ... --unlabeled reviews.tsv.gz --unlabeled-where rating=5-8 \\
          --pseudo-threshold 0.95 --pseudo-rounds 2 --pseudo-per-class 20000
      ... --teacher models/my-ensemble --unlabeled more.txt --temperature 2 \\
          --gold-weight 0.5                          # distill into a fast student
      ... --method gru --aux-column rating --aux-weight 0.3   # multi-task
      ... --method lstm --sampler balanced           # class-even epochs
    """
    from ..training.classifier import train_classifier

    def pair(v, opt):
        if v is None:
            return None
        try:
            lo, hi = (int(x) for x in v.split(","))
        except ValueError:
            raise UsageError(f"{opt} {v!r}: give LO,HI, e.g. 1,3 (0,0 turns them off)") from None
        if not 0 <= lo <= hi:
            raise UsageError(f"{opt} {v!r}: LO,HI with 0 <= LO <= HI, e.g. 1,3 (0,0 turns "
                             f"them off)")
        return (lo, hi)

    params = {k: v for k, v in {"C": C, "char_ngrams": pair(char_ngrams, "--char-ngrams"),
                                "morph_ngrams": pair(morph_ngrams, "--morph-ngrams"),
                                "bits": bits}.items() if v is not None}
    if method not in RNN_METHODS and (vectors or hidden or threads is not None):
        raise UsageError("--vectors, --hidden and --threads apply to --method gru|lstm only")
    linear_only = [f"--{k.replace('_', '-')}" for k in params]  # C, n-grams, bits
    if linear_only and method != "linear":
        raise UsageError(f"{', '.join(linear_only)} apply to --method linear, not {method}")
    if refit and method != "linear":
        raise UsageError(f"--refit applies to --method linear; a {method} model keeps the "
                         f"weights of its best validation epoch (an ensemble's members must "
                         f"not be refit either)")
    if (members is not None) != (method == "ensemble"):
        raise UsageError("--method ensemble and --members go together")
    if method == "ensemble":
        params["members"] = [m.strip() for m in members.split(",") if m.strip()]
    from ..classifiers import METHODS

    # before reading and featurizing the data, not after
    for module, extra, package, what in METHODS[method].trains_with:
        require(module, extra, what, package)
    for module in METHODS[method].runs_with:  # torch, transformers
        require(module, "transformers", f"training a {method} classifier")
    if method == "transformer":
        params.update(transformer_params or {})
    elif method in RNN_METHODS:
        params.update(_rnn_params(transformer_params or {}, vectors, hidden))
        if threads is not None:
            params["threads"] = threads
    elif transformer_params:
        raise UsageError(_not_for(sorted(transformer_params), method))
    _check_techniques(method, cv, json_out, oof, unlabeled, unlabeled_text_column,
                      unlabeled_where, teacher, aux_column, click.get_current_context())
    if aux_column and method in ("gru", "lstm", "transformer"):
        params.update(aux_type=aux_type, aux_weight=aux_weight)
    try:  # the method's parameters dataclass checks the values, before any data is read
        params = METHODS[method].make_params(params)
    except UsageError as e:
        raise _as_option(e, {v: k for k, v in _RNN_SHARED.items()}) from None
    data = _labeled(train_file, text_column, label_column, encoding, label_map,
                    drop_blank_labels, limit, aux_column=aux_column)
    if balance:
        from ..training.data import balanced

        data = balanced(data, seed)
    if (eval_text_column or eval_label_column or eval_label_map) and not eval_file:
        raise UsageError("--eval-text-column, --eval-label-column and --eval-label-map go "
                         "with --eval FILE")
    eval_data = _labeled(eval_file, eval_text_column or text_column,
                         eval_label_column or label_column, encoding,
                         eval_label_map or label_map, drop_blank_labels) if eval_file else None
    if eval_data is not None:
        unseen = {k: v for k, v in eval_data.counts().items() if k not in data.counts()}
        if unseen:
            raise UsageError(
                f"{eval_file}: labels the training data does not have: "
                + ", ".join(f"{k!r} ({v} rows)" for k, v in sorted(unseen.items()))
                + ". A model cannot predict them; map them with --label-map (e.g. to a "
                "training label, or =drop)")
    for d, f in ((data, train_file), (eval_data, eval_file)):
        if d is not None and d.empty:
            click.echo(f"note: {f}: {d.empty} row(s) with an empty text (as given, or once "
                       f"cleaned) left out: classify gives such a row no label either", err=True)
    click.echo(f"training on {len(data.texts)} rows: " + ", ".join(
        f"{k} {v}" for k, v in sorted(data.counts().items())), err=True)
    texts = None
    if unlabeled:
        from ..training.data import read_unlabeled

        texts = read_unlabeled(unlabeled, text_column=unlabeled_text_column or text_column,
                               encoding=encoding, where=unlabeled_where)
        click.echo(f"unlabeled: {len(texts)} texts from {unlabeled}"
                   + (f" where {unlabeled_where}" if unlabeled_where else ""), err=True)
    kw = dict(method=method, eval_data=eval_data, val_fraction=val_fraction, seed=seed,
              class_weight=class_weight, params=params, refit=refit, name=name,
              description=description, licence=licence,
              data_description=f"`{train_file}`, text column `{data.text_column}`"
              f", labels from `{label_column}`"
              + (f" mapped with `{label_map}`" if label_map else "")
              + (f"; {data.dropped} rows left out" if data.dropped else "") + ".",
              progress=_stage_progress, log=_log)
    if teacher:
        from ..training.distill import distill, distillation_data

        student = distillation_data(data, teacher, texts, temperature=temperature,
                                    gold_weight=gold_weight, log=_log)
        cv_result = _cv(student, cv, json_out, oof, kw)
        distill(data, output, teacher=teacher, unlabeled=texts, temperature=temperature,
                gold_weight=gold_weight, prepared=student, **kw)
    elif texts is not None:
        from ..training.pseudo import train_with_pseudo_labels

        cv_result = _cv(data, cv, json_out, oof, kw)
        train_with_pseudo_labels(data, texts, output, threshold=pseudo_threshold,
                                 rounds=pseudo_rounds, per_class=pseudo_per_class, **kw)
    else:
        cv_result = _cv(data, cv, json_out, oof, kw)
        train_classifier(data, output, **kw)
    if cv_result is not None:
        from ..training.card import add_to_model
        from ..training.cv import markdown

        add_to_model(output, "Cross-validation", markdown(cv_result), "cross_validation",
                     {k: v for k, v in cv_result.items() if k != "oof_path"})
    click.echo(f"model written to {output}", err=True)


def _check_techniques(method, cv, json_out, oof, unlabeled, unlabeled_text_column,
                      unlabeled_where, teacher, aux_column, ctx) -> None:
    """`train classifier`: the technique flags that need another flag, or another method."""
    if (json_out or oof) and not cv:
        raise UsageError("--json and --oof report cross-validation: add --cv K")
    if (unlabeled_text_column or unlabeled_where) and not unlabeled:
        raise UsageError("--unlabeled-text-column and --unlabeled-where go with --unlabeled FILE")
    changed = [f"--{n.replace('_', '-')}" for n in ("pseudo_threshold", "pseudo_rounds",
                                                     "pseudo_per_class")
               if ctx.get_parameter_source(n) == click.core.ParameterSource.COMMANDLINE]
    if changed and (teacher or not unlabeled):
        raise UsageError(f"{', '.join(changed)} set pseudo-labels: they need --unlabeled FILE "
                         f"and no --teacher (with a teacher, its soft labels label the text)")
    soft = [f"--{n.replace('_', '-')}" for n in ("temperature", "gold_weight")
            if ctx.get_parameter_source(n) == click.core.ParameterSource.COMMANDLINE]
    if soft and not teacher:
        raise UsageError(f"{', '.join(soft)} go with --teacher MODEL")
    aux = [f"--{n.replace('_', '-')}" for n in ("aux_type", "aux_weight")
           if ctx.get_parameter_source(n) == click.core.ParameterSource.COMMANDLINE]
    if aux and not aux_column:
        raise UsageError(f"{', '.join(aux)} go with --aux-column NAME")
    if aux_column and method not in ("gru", "lstm", "transformer"):
        raise UsageError(f"--aux-column trains a second head: --method gru, lstm or "
                         f"transformer, not {method}")
    if method == "ensemble" and (cv or unlabeled or teacher):
        raise UsageError("--cv, --unlabeled and --teacher train models; --method ensemble "
                         "combines trained ones: use them when training its members")


def _cv(data, cv, json_out, oof, kw):
    if not cv:
        return None
    from ..evaluate import format_report
    from ..training.cv import cross_validate

    ckw = {k: v for k, v in kw.items() if k in ("method", "val_fraction", "seed",
                                               "class_weight", "params", "log")}
    res = cross_validate(data, k=cv, oof_path=oof, **ckw)

    def text(r):
        lines = [f"cross-validation, {r['k']} folds ({r['method']}, seed {r['seed']}):",
                 f"{'fold':>4}  {'rows':>7}  accuracy  macro-F1"]
        lines += [f"{x['fold']:>4}  {x['test_rows']:>7}  {x['accuracy']:8.4f}  "
                  f"{x['macro_f1']:8.4f}" for x in r["folds"]]
        lines += [f"mean +- std:    {r['accuracy']['mean']:.4f} +- {r['accuracy']['std']:.4f}"
                  f"   {r['macro_f1']['mean']:.4f} +- {r['macro_f1']['std']:.4f}", "",
                  "out-of-fold predictions, all folds:", format_report(r["out_of_fold"])]
        return "\n".join(lines)

    _report(res, json_out, text)
    return res


@train.command("summarizer", context_settings=CONTEXT)
@click.option("--train", "train_file", required=True, metavar="FILE",
              help="(document, summary) pairs: .jsonl .csv .tsv .parquet.")
@click.option("-m", "--model", required=True, metavar="MODEL",
              help="The seq2seq model to start from: a local folder or a Hub name.")
@click.option("-o", "--output", required=True, metavar="FOLDER", help="Model folder to write.",
              callback=_model_folder)
@click.option("--doc-field", default=None, metavar="NAME",
              help="Field with the document  [default: document, text, article, body, "
                   "content or source]")
@click.option("--summary-field", default=None, metavar="NAME",
              help="Field with the summary  [default: summary, target, abstract or "
                   "highlights]")
@click.option("--eval", "eval_file", default=None, metavar="FILE",
              help="Held-out pairs: their loss goes into the model card.")
@click.option("--epochs", default=3.0, show_default=True, type=click.FloatRange(0, min_open=True))
@click.option("--lr", default=5e-5, show_default=True, type=click.FloatRange(0, min_open=True))
@click.option("--batch-size", default=4, show_default=True, type=click.IntRange(1),
              help="Document-summary pairs per training step.")
@click.option("--max-steps", default=None, type=click.IntRange(1),
              help="Stop after this many steps (overrides --epochs).")
@click.option("--max-source-length", default=512, show_default=True, type=click.IntRange(8))
@click.option("--max-target-length", default=128, show_default=True, type=click.IntRange(4))
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--limit", default=None, type=click.IntRange(1), help="Use only the first N pairs.")
@encoding_option("Input encoding.")
@device_option("cpu, cuda, cuda:1, mps (default: a GPU when there is one).", metavar=None)
def train_summarizer_cmd(train_file, model, output, doc_field, summary_field, eval_file,
                         epochs, lr, batch_size, max_steps, max_source_length,
                         max_target_length, seed, limit, encoding, device) -> None:
    """Fine-tune a seq2seq model (BART, T5, ...) on (document, summary) pairs.

    Writes a transformers model folder in safetensors with training.json and a model card;
    use it with `kotext summarize --method abstractive --model FOLDER`.

    \b
    Examples:
      kotext train summarizer --train pairs.jsonl --model ./kobart-base -o models/my-sum
      kotext train summarizer --train news.csv --doc-field body --summary-field lead \\
          --model ./kobart-base --epochs 5 --lr 3e-5 -o models/news-sum
    """
    from ..training.summarizer import read_pairs, train_summarizer

    for module in ("torch", "transformers"):  # before reading the pairs
        require(module, "transformers", "training a summarizer")
    pairs = read_pairs(train_file, doc_field, summary_field, encoding, limit)
    eval_pairs = read_pairs(eval_file, doc_field, summary_field, encoding) if eval_file else None
    click.echo(f"fine-tuning {model} on {len(pairs)} pairs", err=True)
    res = train_summarizer(pairs, output, model=model, epochs=epochs, lr=lr,
                           batch_size=batch_size, max_steps=max_steps,
                           max_source_length=max_source_length,
                           max_target_length=max_target_length, seed=seed, device=device,
                           eval_pairs=eval_pairs, log=_log)
    click.echo(f"model written to {output} ({res['steps']} steps)", err=True)


@main.command(context_settings=CONTEXT)
@config_option
@click.argument("corpus", metavar="CORPUS")
@text_column_option()
@encoding_option()
@click.option("-o", "--output", required=True, metavar="FOLDER", help="Encoder folder to write.",
              callback=_model_folder)
@click.option("--limit", default=None, type=click.IntRange(1), help="Use only the first N texts.")
@click.option("--vocab-size", default=None, type=click.IntRange(16),
              help="WordPiece vocabulary size (16000).")
@click.option("--min-frequency", default=None, type=click.IntRange(1),
              help="Least count of a vocabulary entry (2).")
@click.option("--hidden", default=None, type=click.IntRange(8), help="Hidden size (256).")
@click.option("--layers", default=None, type=click.IntRange(1), help="Transformer layers (4).")
@click.option("--heads", default=None, type=click.IntRange(1), help="Attention heads (4).")
@click.option("--intermediate", default=None, type=click.IntRange(8),
              help="Feed-forward size (4 x hidden).")
@click.option("--max-length", default=None, type=click.IntRange(8),
              help="Tokens per text; also the encoder's position limit (128).")
@click.option("--epochs", default=None, type=click.IntRange(1), help="Passes over the corpus (1).")
@click.option("--max-steps", default=None, type=click.IntRange(1), help="Stop after N steps.")
@click.option("--batch-size", default=None, type=click.IntRange(1), help="Texts per step (64).")
@click.option("--lr", default=None, type=float, help="Peak learning rate (5e-4).")
@click.option("--warmup", default=None, type=float, help="Warmup share of the steps (0.06).")
@click.option("--mlm-probability", default=None, type=float,
              help="Share of tokens masked (0.15).")
@click.option("--val-fraction", default=None, type=float,
              help="Share of texts held out for the MLM loss (0.01; none under 100 texts).")
@click.option("--fp16", is_flag=True, help="Mixed precision on a GPU.")
@device_option()
@click.option("--seed", default=0, show_default=True, type=int, help="Random seed.")
@click.option("--name", default=None, help="Model name for the model card.")
def pretrain(corpus: str, text_column, encoding, output, limit, seed, name, **opts) -> None:
    """Pre-train a small Korean BERT on your own texts: no hub needed.

    Trains a WordPiece vocabulary (tokenizers) and a BERT with masked-language-model
    pre-training, and writes a transformers folder (config.json, model.safetensors,
    tokenizer.json) with a model card and the loss curve. Fine-tune it with
    `kotext train classifier --method transformer --base FOLDER`. A GPU helps a lot.

    \b
    Examples:
      kotext pretrain reviews.tsv.gz --text-column document -o models/my-encoder
      kotext pretrain corpus.txt --layers 4 --hidden 256 --epochs 2 --fp16 -o models/enc
      kotext train classifier --method transformer --base models/my-encoder \\
          --train train.tsv --label-map 0=negative,1=positive -o models/my-clf
    """
    from ..io.readers import read, text_of
    from ..transformer.pretrain import pretrain as run_pretrain

    for module in ("torch", "transformers", "tokenizers"):  # before reading the corpus
        require(module, "transformers", "pre-training")
    src = read(corpus, text_column=text_column, encoding=encoding)
    texts = []
    for row in src:
        texts.append(text_of(row.get(src.text_key)))
        if limit and len(texts) >= limit:
            break
    params = {k: v for k, v in opts.items() if v is not None and v is not False}
    click.echo(f"pre-training on {len(texts)} texts from {corpus}", err=True)
    run_pretrain(texts, output, params=params, seed=seed, name=name,
                 data_description=f"{len(texts)} texts from `{corpus}`.",
                 progress=_stage_progress, log=_log)
    click.echo(f"encoder written to {output}", err=True)


# the transformer options gru/lstm take too, under the RNN trainer's names
_RNN_SHARED = {"epochs": "epochs", "patience": "patience", "label_smoothing": "label_smoothing",
               "dropout": "dropout", "batch_size": "batch_size", "lr": "lr",
               "weight_decay": "weight_decay", "max_grad_norm": "clip",
               "max_length": "max_len", "freeze": "freeze", "decay": "decay",
               "sampler": "sampler"}


def _as_option(e: UsageError, names: dict[str, str]) -> UsageError:
    """A parameters dataclass's error, its leading ``name=value`` under the command's
    parameter name (a gru/lstm model's ``max_len=4`` -> ``max_length=4``, which the CLI shows
    as ``--max-length 4``); ``names`` maps a method's parameter to the command's."""
    import re

    m = re.match(r"([A-Za-z_]+)=", str(e))
    if not m or m.group(1) not in names:
        return e
    return type(e)(f"{names[m.group(1)]}={str(e)[m.end():]}", param=names[m.group(1)])


def _not_for(options: list[str], method: str) -> str:
    """'--base applies to --method transformer, not linear', grouped by who takes them."""
    parts = []
    for group, where in ((["--" + k.replace("_", "-") for k in options if k in _RNN_SHARED
                           and method == "linear"], "transformer, gru or lstm"),
                         (["--" + k.replace("_", "-") for k in options
                           if k not in _RNN_SHARED or method != "linear"], "transformer")):
        if group:
            verb = "applies" if len(group) == 1 else "apply"
            parts.append(f"{', '.join(group)} {verb} to --method {where}")
    return "; ".join(parts) + f", not {method}"


def _rnn_params(shared: dict[str, Any], vectors: str | None, hidden: int | None
                ) -> dict[str, Any]:
    """`train classifier --method gru|lstm`: the options shared with the transformer method
    (--epochs, --patience, --label-smoothing, ...) under the RNN trainer's names."""
    names = _RNN_SHARED
    other = sorted(k for k in shared if k not in names)
    if other:
        raise UsageError(_not_for(other, "gru|lstm"))
    out = {names[k]: v for k, v in shared.items()}
    if "freeze" in out:
        # (a number means "embeddings + the first N layers" to a transformer: not here)
        if str(out["freeze"]).lower() not in ("embeddings", "yes", "true"):
            raise UsageError(f"--freeze {out['freeze']!r}: with --method gru|lstm use "
                             f"--freeze embeddings (keep the --vectors fixed)")
        out["freeze"] = True
    if vectors:
        out["vectors"] = vectors
    if hidden:
        out["hidden"] = hidden
    return out
