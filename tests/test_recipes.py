"""ganviz.recipes: one source for the page, the CLI, the benchmarks and the shipped models' stages."""
import json
import shlex
from pathlib import Path

import pytest

from ganviz import recipes
from ganviz.__main__ import build_parser, main, settings_from_args, stage_commands
from ganviz.engine import losses
from ganviz.engine.trainer import TrainConfig
from ganviz.images import checkpoint
from ganviz.images.spec import ImageGANSpec

ROOT = Path(__file__).resolve().parents[1]
PRESETS = [n for n, r in recipes.all_recipes().items() if not r.stages]
SHIPPED = [n for n, r in recipes.all_recipes().items() if r.stages]


def cli_build(argv: list[str], num_classes: int = 10):
    """What `python -m ganviz train ARGV` trains: the parser's settings through recipes.build."""
    args = build_parser().parse_args(["train", *argv, "--out", "unused"])
    return recipes.build(settings_from_args(args), num_classes)


def page_build(widgets: dict, seed: int, num_classes: int = 10):
    """What the "Train on images" page trains for these widget values (its one call)."""
    return recipes.build(recipes.from_widgets(**widgets, seed=seed), num_classes)


def test_every_recipe_is_found_and_the_shipped_models_have_one():
    stems = sorted(p.stem for p in (ROOT / "models").glob("dcgan_*.json"))
    assert sorted(SHIPPED) == stems
    assert set(PRESETS) >= {"digits_fast", "digits_unconditional", "digits_sharpened", "mlp_digits", "fashion_fast",
                            "wgan_gp_critic", "minimax_stall"}


def test_cli_without_flags_trains_the_dataclasses_defaults():
    """No flag, no recipe: the nets and TrainConfig are exactly the dataclasses' defaults (one place for them)."""
    assert cli_build([]) == (ImageGANSpec(), TrainConfig())


@pytest.mark.parametrize("loss", losses.LOSSES)
def test_each_loss_trains_with_its_papers_optimizer(loss):
    """WGAN: RMSprop (Arjovsky et al. 2017); WGAN-GP: Adam (0, 0.9) and no BatchNorm in the critic (Gulrajani et al.
    2017); otherwise Adam (0.5, 0.999) and BatchNorm (Radford et al. 2016) — on the page and in the CLI alike."""
    want = {"wgan": ("rmsprop", (0.5, 0.999), "batch"), "wgan-gp": ("adam", (0.0, 0.9), "layer")}.get(
        loss, ("adam", (0.5, 0.999), "batch"))
    widgets = recipes.to_widgets("digits_unconditional") | {"loss": loss}
    for spec, config in (cli_build(["--loss", loss]), page_build(widgets, 0)):
        assert (config.optimizer, config.betas, spec.d_norm) == want
    # an explicit flag wins over the loss's default
    spec, config = cli_build(["--loss", loss, "--optimizer", "sgd", "--beta1", "0.25", "--d-norm", "none"])
    assert (config.optimizer, config.betas[0], spec.d_norm) == ("sgd", 0.25, "none")


@pytest.mark.parametrize("name", PRESETS)
@pytest.mark.parametrize("loss", losses.LOSSES)
def test_page_and_cli_build_identical_runs(name, loss):
    """Every page preset with every loss: the page's widgets and `ganviz train --recipe NAME --loss LOSS` (and the
    same run spelled out in flags) build equal specs and TrainConfigs."""
    widgets = recipes.to_widgets(name) | {"loss": loss}
    page = page_build(widgets, seed=7)
    assert cli_build(["--recipe", name, "--loss", loss, "--seed", "7"]) == page
    assert cli_build(recipes.to_argv(recipes.resolve(name, loss=loss, seed=7))) == page
    assert page[1].loss == loss and page[1].seed == 7 and page[0].prior_seed == 7


def test_presets_hold_the_measured_values():
    """The page's default is the measured 3-minute preset: conditional DCGAN of width 32, lr_G 5e-4, lr_D 2e-4."""
    spec, config = recipes.build(recipes.resolve("digits_fast"), 10)
    assert (spec.model, spec.width, spec.depth, spec.num_classes) == ("dcgan", 32, 0, 10)
    assert (config.lr_g, config.lr_d, config.batch_size, config.k) == (5e-4, 2e-4, 64, 1)
    spec, config = recipes.build(recipes.resolve("digits_sharpened"), 10)
    assert (spec.num_classes, spec.aux_classes, spec.prior, spec.mixture_k, spec.mixture_sd) == (0, 10, "mixture",
                                                                                                 500, 0.5)
    spec, config = recipes.build(recipes.resolve("wgan_gp_critic"), 10)
    assert (config.k, config.betas, spec.d_norm) == (5, (0.0, 0.9), "layer")


@pytest.mark.parametrize("name", SHIPPED)
def test_page_cannot_express_the_shipped_runs_but_says_so(name):
    with pytest.raises(ValueError, match="cannot express"):
        recipes.to_widgets(name)


def _recorded_stages(name: str) -> list[list[str]]:
    """The chain of `python -m ganviz train` commands a shipped model's JSON records."""
    command = json.loads((ROOT / "models" / f"{name}.json").read_text())["command"]
    stages = []
    for part in command.split(" && "):
        words = shlex.split(part)
        assert words[:4] == ["python", "-m", "ganviz", "train"]
        stages.append(words[4:])
    return stages


def _without(argv: list[str], *names: str) -> tuple[list[str], dict]:
    """argv without the flags ``names`` (each with its value), and those values."""
    out, taken, i = [], {}, 0
    while i < len(argv):
        if argv[i] in names:
            taken[argv[i]] = argv[i + 1]
            i += 2
        else:
            out.append(argv[i])
            i += 1
    return out, taken


@pytest.mark.parametrize("name", SHIPPED)
def test_stage_lists_equal_what_the_shipped_models_record(name):
    """Each recipe's stages build the runs its model's JSON records (its command chain, stage by stage: nets,
    TrainConfig, steps, data, sampling/saving cadence, and which stage each goes on from), and the last stage is the
    model's recorded spec and TrainConfig."""
    recipe = recipes.get(name)
    recorded = _recorded_stages(name)
    ours = stage_commands(name, "R")
    assert len(recorded) == len(ours) == len(recipe.stages)
    outs = {}
    for stage, theirs, mine in zip(recipe.stages, recorded, ours, strict=True):
        theirs, t = _without(theirs, "--out", "--init-from")
        mine, m = _without(mine[1:], "--out", "--init-from")
        assert cli_build(mine) == cli_build(theirs)
        a = settings_from_args(build_parser().parse_args(["train", *mine, "--out", "x"]))
        b = settings_from_args(build_parser().parse_args(["train", *theirs, "--out", "x"]))
        run_fields = ("data", "data_dir", "steps", "sample_every", "log_every", "save_every", "threads")
        assert {f: a.value(f) for f in run_fields} == {f: b.value(f) for f in run_fields}
        assert t["--out"] == stage.recorded_out and m["--out"] == f"R/{name}/{stage.name}"
        outs[stage.name] = stage.recorded_out
        if stage.init_from is None:
            assert "--init-from" not in t and "--init-from" not in m
        else:
            assert t["--init-from"] == outs[stage.init_from] and m["--init-from"] == f"R/{name}/{stage.init_from}"
    cfg = json.loads((ROOT / "models" / f"{name}.json").read_text())
    spec, config = recipes.build(recipe.settings, len(cfg["data"]["class_names"]))
    assert spec == ImageGANSpec.from_dict(cfg["model"])
    assert config == TrainConfig.from_dict(cfg["train"])
    assert cfg["step"] == recipe.settings.value("steps")


def test_reproduce_runs_the_chain_and_each_stage_goes_on_from_the_last(tmp_path, capsys):
    """`ganviz reproduce` with tiny overrides (2 steps, width 8, the 8×8 digits) runs both stages of dcgan_mnist;
    round 7's checkpoint records that it started from round 4's."""
    rc = main(["reproduce", "dcgan_mnist", "--runs", str(tmp_path), "--data", "digits8x8", "--steps", "2",
               "--width", "8", "--batch", "8", "--sample-every", "1", "--save-every", "0", "--threads", "1",
               "--quiet"])
    assert rc == 0
    _, _, first = checkpoint.load(tmp_path / "dcgan_mnist" / "round4")
    _, _, last = checkpoint.load(tmp_path / "dcgan_mnist" / "round7")
    assert first["train"]["seed"] == 0 and first["model"]["prior"] == "normal"
    assert last["train"]["seed"] == 23 and last["model"]["prior"] == "mixture" and last["model"]["aux_classes"] == 10
    assert last["init_from"]["path"] == str(tmp_path / "dcgan_mnist" / "round4") and last["init_from"]["step"] == 2
    assert main(["reproduce", "dcgan_mnist", "--runs", "R", "--dry-run"]) == 0
    printed = capsys.readouterr().err
    assert printed.count("python -m ganviz train") >= 4 and "--init-from R/dcgan_mnist/round4" in printed


def test_bad_recipe_names_and_settings_are_one_sentence(capsys):
    assert main(["train", "--recipe", "nope", "--out", "x"]) == 2
    assert "No recipe 'nope'" in capsys.readouterr().err
    with pytest.raises(ValueError, match="2 or more labelled classes"):
        recipes.build(recipes.resolve("digits_fast"), 1)
    with pytest.raises(ValueError, match="Unknown run setting"):
        recipes.resolve("digits_fast", lr=1.0)
