#!/usr/bin/env python3
"""Neural's reference trainer: a digits classifier (scikit-learn's bundled 8x8 digits) in PyTorch, CPU.

Follows the container contract v1 (sdk/src/formats/container.ts): NEURAL_* environment, dataset at /data,
checkpoints in /checkpoints, final weights in /output, progress as JSON lines on stdout.

Bit-for-bit reproducible: one thread, deterministic algorithms, oneDNN off (and ATEN_CPU_CAPABILITY=default from
the image), parameters from the seed, and each step's batch drawn from a generator seeded by (seed, step), so a
run resumed from checkpoint k-1 in a fresh container reproduces checkpoint k. Checkpoints are written in the
safetensors layout with canonical bytes (sorted header, no metadata), so they load anywhere and hash stably.

Fine-tunes: when NEURAL_INIT_WEIGHTS names a file (a library model's weights, same layout) and the run does not
resume, training starts from those weights instead of the seed's initialisation.
"""
import gzip
import json
import os
import struct
import sys

import torch

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)
torch.backends.mkldnn.enabled = False

DTYPES = {torch.float32: "F32"}


def emit(event):
    sys.stdout.write(json.dumps(event, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def save_safetensors(tensors, path):
    """Canonical safetensors: names sorted, header JSON without spaces padded to 8 bytes, little-endian data."""
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous().to(torch.float32)
        data = t.numpy().astype("<f4").tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":"), sort_keys=True).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


def load_safetensors(path):
    import numpy as np

    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        arr = np.frombuffer(raw[base + start : base + end], dtype="<f4").reshape(info["shape"])
        out[name] = torch.from_numpy(arr.copy())
    return out


def load_digits(data_dir):
    """scikit-learn's digits.csv.gz: 1797 rows of 64 pixel values (0-16) and the label."""
    for name in ("digits.csv.gz", "dataset"):
        path = os.path.join(data_dir, name)
        if os.path.exists(path):
            break
    else:
        raise FileNotFoundError("no digits.csv.gz in the dataset")
    rows = []
    with gzip.open(path, "rt") as f:
        for line in f:
            line = line.strip()
            if line:
                rows.append([float(v) for v in line.split(",")])
    data = torch.tensor(rows, dtype=torch.float32)
    x, y = data[:, :64] / 16.0, data[:, 64].to(torch.int64)
    # held out: every 5th sample (deterministic, class-balanced enough)
    idx = torch.arange(len(y))
    test = idx % 5 == 0
    return x[~test], y[~test], x[test], y[test]


class Net(torch.nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.fc1 = torch.nn.Linear(64, hidden)
        self.fc2 = torch.nn.Linear(hidden, 10)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


def main():
    env = os.environ
    hp = json.loads(env.get("NEURAL_HYPERPARAMETERS") or "{}")
    lr = float(hp.get("lr", 0.1))
    batch = int(hp.get("batchSize", 32))
    hidden = int(hp.get("hidden", 32))
    seed = int(env["NEURAL_SEED"])
    total = int(env["NEURAL_TOTAL_STEPS"])
    interval = int(env["NEURAL_CHECKPOINT_INTERVAL"])
    stop_at = int(env.get("NEURAL_STOP_AT") or total)
    resume_from = env.get("NEURAL_RESUME_FROM", "")
    init_weights = env.get("NEURAL_INIT_WEIGHTS", "")
    step = int(env.get("NEURAL_RESUME_STEP") or 0)
    index = int(env.get("NEURAL_START_INDEX") or 0)
    ckpt_dir = env.get("NEURAL_CHECKPOINT_DIR", "/checkpoints")
    out_dir = env.get("NEURAL_OUTPUT_DIR", "/output")

    x_train, y_train, x_test, y_test = load_digits(env.get("NEURAL_DATA_DIR", "/data"))
    torch.manual_seed(seed)
    model = Net(hidden)
    if resume_from:
        model.load_state_dict(load_safetensors(resume_from))
    elif init_weights:
        # a fine-tune: start from a library model's weights (same layout: names and shapes must match)
        model.load_state_dict(load_safetensors(init_weights))
    loss_fn = torch.nn.CrossEntropyLoss()
    last_path = resume_from
    while step < stop_at:
        step += 1
        g = torch.Generator().manual_seed(seed * 1_000_003 + step)
        pick = torch.randint(0, len(y_train), (batch,), generator=g)
        model.zero_grad()
        loss = loss_fn(model(x_train[pick]), y_train[pick])
        loss.backward()
        with torch.no_grad():
            for p in model.parameters():
                p -= lr * p.grad
        event = {"type": "progress", "step": step, "loss": round(float(loss), 6)}
        at_checkpoint = step % interval == 0 or step == total
        if at_checkpoint:
            with torch.no_grad():
                acc = (model(x_test).argmax(1) == y_test).float().mean().item()
            event["accuracy"] = round(acc, 6)
        emit(event)
        if at_checkpoint:
            name = "ckpt-%d.safetensors" % index
            last_path = os.path.join(ckpt_dir, name)
            save_safetensors(model.state_dict(), last_path)
            emit({"type": "checkpoint", "index": index, "step": step, "path": "/checkpoints/" + name})
            index += 1
    if step == total:
        final = os.path.join(out_dir, "weights.safetensors")
        save_safetensors(model.state_dict(), final)
        emit({"type": "done", "step": step, "weightsPath": "/output/weights.safetensors"})


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # the contract's error event, then a non-zero exit
        emit({"type": "error", "message": "%s: %s" % (type(e).__name__, e)})
        raise
