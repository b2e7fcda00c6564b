"""``symbp train`` (symbp.cli.train) and the data sets it trains on."""

import argparse
import builtins
import importlib.util
import pathlib
import tomllib

import numpy as np
import pytest

from symbp.train import datasets
from symbp.cli.train import accuracy, add_parser, run


def parse(*argv):
    parser = argparse.ArgumentParser(prog="symbp")
    add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(["train", *argv])


def test_xor_trains_to_full_accuracy(capsys):
    assert run(parse("--data", "xor", "--epochs", "1500")) == 0
    out, err = capsys.readouterr()
    assert "train accuracy 1.000" in out and "final loss" in out
    assert "epoch 1500/1500" in err            # progress on stderr, not stdout
    assert "epoch" not in out


def test_iris_softmax_mini_batches(capsys):
    code = run(parse("--data", "iris", "--arch", "6", "--cost", "softmax_cross_entropy", "--lr", "0.5",
                     "--epochs", "40", "--batch-size", "16", "--momentum", "0.9", "--weight-decay", "1e-4",
                     "--seed", "3"))
    out = capsys.readouterr().out
    assert code == 0 and "sizes [4, 6, 3]" in out and "softmax output" in out
    assert float(out.split("train accuracy ")[1].split()[0]) > 0.9


def test_cross_entropy_with_tanh_hidden_gets_a_sigmoid_output(capsys):
    assert run(parse("--cost", "cross_entropy", "--activation", "tanh", "--epochs", "10")) == 0
    assert "tanh / sigmoid output" in capsys.readouterr().out


@pytest.mark.parametrize("argv,message", [
    (["--arch", "8,x"], "--arch: expected hidden widths"),
    (["--cost", "softmax_cross_entropy", "--output-activation", "tanh"], "output_activation"),
])
def test_bad_options_fail_with_one_line(capsys, argv, message):
    assert run(parse(*argv)) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("symbp train: ") and message in err and "\n" not in err


def test_plot_without_matplotlib_fails_clearly(monkeypatch, capsys, tmp_path):
    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name.split(".")[0] == "matplotlib":
            raise ImportError("No module named 'matplotlib'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    assert run(parse("--plot", str(tmp_path / "loss.png"))) == 2
    err = capsys.readouterr().err.strip()
    assert err == "symbp train: --plot needs matplotlib: pip install 'symbp[plot]'"
    assert not (tmp_path / "loss.png").exists()


@pytest.mark.skipif(importlib.util.find_spec("matplotlib") is None, reason="matplotlib not installed")
def test_plot_writes_a_png(tmp_path, capsys):
    out = tmp_path / "loss.png"
    assert run(parse("--epochs", "50", "--plot", str(out))) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.skipif(importlib.util.find_spec("sklearn") is None, reason="scikit-learn not installed")
def test_digits_runs(capsys):
    assert run(parse("--data", "digits", "--arch", "16", "--epochs", "3")) == 0
    assert "sizes [64, 16, 10]" in capsys.readouterr().out


def test_digits_without_sklearn_fails_clearly(monkeypatch, capsys):
    real_import = builtins.__import__

    def no_sklearn(name, *args, **kwargs):
        if name.split(".")[0] == "sklearn":
            raise ImportError("No module named 'sklearn'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_sklearn)
    assert run(parse("--data", "digits")) == 2
    assert "needs scikit-learn" in capsys.readouterr().err


def test_accuracy():
    assert accuracy(np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]]), np.array([0, 1, 1])) == pytest.approx(2 / 3)
    assert accuracy(np.array([[0.7], [0.3]]), np.array([1, 0])) == 1.0


# -- data sets ------------------------------------------------------------------------------------
def test_iris_is_fishers_150_rows():
    d = datasets.iris()
    assert d.X.shape == (150, 4) and d.Y.shape == (150, 3)
    assert np.bincount(d.labels).tolist() == [50, 50, 50]
    np.testing.assert_allclose(d.X.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_array_equal(d.Y.argmax(axis=1), d.labels)


def test_iris_csv_names_its_source_and_is_package_data():
    root = pathlib.Path(__file__).parents[1]
    head = (root / "symbp" / "data" / "iris.csv").read_text().splitlines()[0]
    assert "Fisher (1936)" in head
    pyproject = tomllib.loads((root / "pyproject.toml").read_text())
    assert "data/*.csv" in pyproject["tool"]["setuptools"]["package-data"]["symbp"]


def test_xor_and_unknown_data_set():
    assert datasets.load("xor").Y.ravel().tolist() == [0.0, 1.0, 1.0, 0.0]
    with pytest.raises(ValueError, match="'mnist' is not one of"):
        datasets.load("mnist")
