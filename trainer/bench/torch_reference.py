#!/usr/bin/python3
"""PyTorch reference for trainer/bench/trainerBench.ts: the same `mlp` and
`chunk` architectures, batch 32, Adam, so the lead can print the tfjs ÷ torch
ratio on the same machine.

    /usr/bin/python3 trainer/bench/torch_reference.py [--threads N] [--steps N] [--json]

chunk: 2 cameras 96×96×3, conv [16 k5 s2, 32 k3 s2, 32 k3 s2, 64 k3 s1] +
spatial softmax (learned temperature) per camera, concat state (19), MLP
[512, 512] → 10×7, L1 loss; batches get the same replicate-pad-4 random shift.
mlp: 19 → 256 → 256 → 7, MSE. Layouts are PyTorch-native (NCHW); 'same'
padding is symmetric here (TF pads stride-2 layers asymmetrically: same output
sizes and FLOPs). Default threads = 1, matching tfjs-wasm in Node (single
threaded); pass --threads 2 for torch's usual multi-core number.
"""
import argparse
import json
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

STATE, ACTION, H, CAMS, IMG, B = 19, 7, 10, 2, 96, 32


class SpatialSoftmax(nn.Module):
    def __init__(self):
        super().__init__()
        self.temperature = nn.Parameter(torch.ones(1))

    def forward(self, x):  # x: [B, C, H, W] → [B, 2C]
        b, c, h, w = x.shape
        p = torch.softmax(x.reshape(b, c, h * w) / self.temperature, dim=-1)
        ys, xs = torch.meshgrid(torch.linspace(-1, 1, h), torch.linspace(-1, 1, w), indexing="ij")
        kx = (p * xs.reshape(1, 1, -1)).sum(-1)
        ky = (p * ys.reshape(1, 1, -1)).sum(-1)
        return torch.cat([kx, ky], dim=1)


def encoder():
    layers, cin = [], 3
    for cout, k, s in [(16, 5, 2), (32, 3, 2), (32, 3, 2), (64, 3, 1)]:
        layers += [nn.Conv2d(cin, cout, k, s, padding=k // 2), nn.ReLU()]
        cin = cout
    return nn.Sequential(*layers, SpatialSoftmax())


class Chunk(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoders = nn.ModuleList([encoder() for _ in range(CAMS)])
        self.head = nn.Sequential(nn.Linear(STATE + CAMS * 128, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, H * ACTION))

    def forward(self, state, images):
        feats = [state] + [enc(img) for enc, img in zip(self.encoders, images)]
        return self.head(torch.cat(feats, dim=1))


def mlp():
    return nn.Sequential(nn.Linear(STATE, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, ACTION))


def random_shift(img, pad=4):
    n, _, h, w = img.shape
    padded = F.pad(img, (pad, pad, pad, pad), mode="replicate")
    dx = torch.randint(0, 2 * pad + 1, (n,))
    dy = torch.randint(0, 2 * pad + 1, (n,))
    return torch.stack([padded[i, :, dy[i]:dy[i] + h, dx[i]:dx[i] + w] for i in range(n)])


def train_rate(step, steps, warmup=3):
    """Samples per wall-clock second, and per CPU-second of this process (all its threads), after `warmup` steps."""
    for _ in range(warmup):
        step()
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(steps):
        step()
    return steps * B / (time.perf_counter() - start), steps * B / (time.process_time() - cpu)


def latency(fn, n):
    times = []
    with torch.no_grad():
        for i in range(n + 10):
            start = time.perf_counter()
            fn()
            if i >= 10:
                times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {"p50": times[len(times) // 2], "p99": times[min(len(times) - 1, int(0.99 * len(times)))]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=8)
    ap.add_argument("--warmup", type=int, default=3, help="chunk warm-up steps before the measured ones")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    m = mlp()
    opt = torch.optim.Adam(m.parameters(), 1e-3)
    xs, ys = torch.randn(B, STATE), torch.randn(B, ACTION)

    def mlp_step():
        opt.zero_grad()
        F.mse_loss(m(xs), ys).backward()
        opt.step()

    mlp_rate, mlp_cpu_rate = train_rate(mlp_step, 100)
    x1 = torch.randn(1, STATE)
    mlp_lat = latency(lambda: m(x1), 500)

    c = Chunk()
    copt = torch.optim.Adam(c.parameters(), 1e-3)
    state = torch.randn(B, STATE)
    raw = [torch.randint(0, 256, (B, 3, IMG, IMG), dtype=torch.uint8) for _ in range(CAMS)]
    target = torch.randn(B, H * ACTION)

    def chunk_step():
        images = [random_shift(r.float() / 255) for r in raw]
        copt.zero_grad()
        F.l1_loss(c(state, images), target).backward()
        copt.step()

    chunk_rate, chunk_cpu_rate = train_rate(chunk_step, args.steps, args.warmup)
    s1 = torch.randn(1, STATE)
    i1 = [torch.rand(1, 3, IMG, IMG) for _ in range(CAMS)]
    chunk_lat = latency(lambda: c(s1, i1), 100)

    out = {
        "torch": torch.__version__, "threads": args.threads,
        "mlp": {"trainSamplesPerSec": mlp_rate, "trainSamplesPerCpuSec": mlp_cpu_rate, "inferenceMs": mlp_lat},
        "chunk": {"trainSamplesPerSec": chunk_rate, "trainSamplesPerCpuSec": chunk_cpu_rate, "inferenceMs": chunk_lat, "cameras": CAMS, "imageSize": IMG, "batchSize": B},
    }
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        print(f"torch {torch.__version__}, {args.threads} thread(s)")
        print(f"mlp training: {mlp_rate:.1f} samples/s; inference p50 {mlp_lat['p50']:.2f} ms, p99 {mlp_lat['p99']:.2f} ms")
        print(f"chunk training: {chunk_rate:.1f} samples/s; inference p50 {chunk_lat['p50']:.2f} ms, p99 {chunk_lat['p99']:.2f} ms")


if __name__ == "__main__":
    main()
