import pytest

from ganbench.config import (
    Config,
    available_recipes,
    config_differences,
    load_config,
    parse_override,
)
from ganbench.errors import ConfigError


def test_default_config_is_the_default_recipe():
    assert load_config() == load_config("shapes-dcgan")
    cfg = load_config()
    assert cfg.data.class_names == ["happy", "angry", "sad", "joyful"]
    assert cfg.data.image_size == 64 and cfg.conditional
    assert cfg.model.arch == "strokes"  # the vector generator; shapes-conv draws pixels
    assert load_config("shapes-conv").model.arch == "dcgan"


def test_every_recipe_loads():
    assert "shapes-dcgan" in available_recipes()
    for name in available_recipes():
        assert isinstance(load_config(name), Config)


def test_overrides_are_typed_by_yaml():
    assert parse_override("schedule.steps=500") == (["schedule", "steps"], 500)
    assert parse_override("data.monochrome=true") == (["data", "monochrome"], True)
    assert parse_override("data.classes=[happy,sad]") == (["data", "classes"], ["happy", "sad"])
    cfg = load_config(None, ["optimiser.g_lr=1e-3", "model.init=xavier"])
    assert cfg.optimiser.g_lr == 1e-3 and cfg.model.init == "xavier"


def test_unknown_key_names_the_key_and_the_allowed_ones():
    with pytest.raises(ConfigError) as err:
        load_config(None, ["model.widht=64"])
    message = str(err.value)
    assert "model.widht: unknown key" in message
    assert "g_width" in message and "d_width" in message


def test_unknown_section_is_refused():
    allowed = "trainer: unknown key; allowed here: recipe, family, seed"
    with pytest.raises(ConfigError, match=allowed):
        load_config(None, ["trainer.steps=3"])


def test_wrong_type_names_key_value_and_expectation():
    with pytest.raises(ConfigError) as err:
        load_config(None, ["schedule.steps=many"])
    assert "schedule.steps='many'" in str(err.value)
    assert "integer" in str(err.value)


def test_bad_choice_lists_the_allowed_values():
    with pytest.raises(ConfigError) as err:
        load_config(None, ["objective.loss=hinged"])
    assert "objective.loss='hinged'" in str(err.value)
    assert "'minimax'" in str(err.value) and "'non_saturating'" in str(err.value)


def test_28px_generator_on_64px_data_is_refused_before_training():
    with pytest.raises(ConfigError) as err:
        load_config(None, ["model.image_size=28"])
    assert "model.image_size=28 does not match data.image_size=64" in str(err.value)


def test_image_size_the_dcgan_cannot_build_is_refused():
    with pytest.raises(ConfigError, match=r"data\.image_size=48 cannot be built by the dcgan"):
        load_config("shapes-conv", ["data.image_size=48"])


def test_unknown_class_is_refused():
    with pytest.raises(ConfigError, match="unknown shape class 'grumpy'"):
        load_config(None, ["data.classes=[happy,grumpy]"])


def test_missing_file_and_unknown_recipe():
    with pytest.raises(ConfigError, match=r"config file nope\.yaml not found"):
        load_config("nope.yaml")
    with pytest.raises(ConfigError, match="no recipe or config file named 'nope'"):
        load_config("nope")


def test_yaml_file_with_overrides(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("schedule:\n  steps: 7\nmodel:\n  preset: radford\n")
    cfg = load_config(str(path), ["schedule.batch_size=8"])
    assert cfg.recipe == "mine" and cfg.schedule.steps == 7 and cfg.schedule.batch_size == 8
    assert cfg.model.g_activation == "relu" and cfg.model.g_width == 64  # from the preset


def test_preset_yields_to_explicit_settings():
    cfg = load_config("shapes-seed000", ["model.g_width=64"])
    assert cfg.model.g_width == 64 and cfg.model.d_width == 256


def test_preset_on_the_command_line_builds_the_preset_stack_over_the_recipe():
    # the default recipe sets g_width 32, a linear output and LeakyReLU in G
    cfg = load_config(None, ["model.preset=radford"])
    assert (cfg.model.g_width, cfg.model.d_width) == (64, 64)
    assert cfg.model.g_activation == "relu" and cfg.model.g_output == "tanh"
    later = load_config(None, ["model.preset=radford", "model.g_width=16"])
    assert later.model.g_width == 16 and later.model.d_width == 64  # a later key still wins


def test_malformed_override():
    with pytest.raises(ConfigError, match="must look like key=value"):
        load_config(None, ["=3"])


def test_digest_ignores_length_and_logging_but_not_the_model():
    base = load_config()
    assert base.digest() == load_config(None, ["schedule.steps=5", "logging.log_every=3"]).digest()
    assert base.digest() != load_config(None, ["model.g_width=16"]).digest()


def test_config_differences_lists_changed_keys():
    diff = config_differences(load_config(), load_config(None, ["model.g_width=16"]))
    assert diff == ["model.g_width: 32 -> 16"]


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("seed=-1", "greater than or equal to 0"),
        ("seed=1180591620717411303424", "less than"),
        ("data.classes=[]", "at least 1 item"),
        ("data.proportions=[.nan,1,1,1]", "finite number"),
        ("optimiser.g_lr=inf", "finite number"),
        ("data.noise_std=inf", "finite number"),
        ("objective.real_label=nan", "finite number"),
        ("objective.gp_lambda=inf", "finite number"),
        # values no run could take: a blur kernel or a batch list past the machine's memory
        ("objective.d_blur=361614702194119.0", "less than or equal to 32"),
        ("schedule.d_steps=1000000", "less than or equal to 100"),
        ("objective.real_label=1e308", "less than or equal to 100"),
        ("logging.name=../../escaped-run", "one folder inside logging.root"),
        ("logging.name=..", "one folder inside logging.root"),
    ],
)
def test_impossible_values_are_refused_with_the_key_named(override, message):
    with pytest.raises(ConfigError, match=message) as error:
        load_config(None, [override])
    assert override.split("=")[0] in str(error.value)


def test_a_recipe_can_hold_only_what_it_changes_in_its_base(tmp_path):
    (tmp_path / "parent.yaml").write_text(
        "base: shapes-conv\nmodel:\n  g_width: 8\nschedule:\n  steps: 11\n"
    )
    (tmp_path / "child.yaml").write_text("base: parent.yaml\nschedule:\n  batch_size: 4\n")
    cfg = load_config(str(tmp_path / "child.yaml"))
    conv = load_config("shapes-conv")
    assert cfg.recipe == "child" and cfg.schedule.batch_size == 4 and cfg.schedule.steps == 11
    assert cfg.model.g_width == 8 and cfg.model.d_width == conv.model.d_width
    assert cfg.objective == conv.objective  # sections merge key by key

    (tmp_path / "radford.yaml").write_text("base: shapes-conv\nmodel:\n  preset: radford\n")
    radford = load_config(str(tmp_path / "radford.yaml"))
    assert radford.model.g_width == 64 and radford.model.g_activation == "relu"  # the preset's
    assert radford.data == conv.data  # the rest is the base's

    (tmp_path / "loop.yaml").write_text("base: loop.yaml\n")
    with pytest.raises(ConfigError, match="in a circle"):
        load_config(str(tmp_path / "loop.yaml"))
    (tmp_path / "a.yaml").write_text("base: ./b.yaml\n")
    (tmp_path / "b.yaml").write_text("base: a.yaml\n")
    with pytest.raises(ConfigError, match="in a circle"):
        load_config(str(tmp_path / "a.yaml"))
    (tmp_path / "lost.yaml").write_text("base: nowhere-recipe\n")
    with pytest.raises(ConfigError, match="no recipe or config file named 'nowhere-recipe'"):
        load_config(str(tmp_path / "lost.yaml"))
