"""Train the CNN of pytorch/examples on MNIST: two 3x3 convolutions, max pooling, dropout, two linear layers.

    python examples/mnist_cnn.py                          # 5 epochs on the CPU, 99.1% test accuracy
    python examples/mnist_cnn.py --epochs 1 --save cnn.pt --plot cnn.png
    python examples/mnist_cnn.py --load cnn.pt            # evaluate a saved checkpoint (or one torch.save wrote)
    python examples/mnist_cnn.py --device cuda            # on a GPU (numba-cuda installed)
    mpiexec -n 2 python examples/mnist_cnn.py --distributed   # data parallel on 2 ranks (docs/distributed.md)

The data comes from tinygrad_pool.datasets.mnist: the repository's data/mnist/ on a fresh clone (no network needed).
"""
import argparse
import os
import time

import numpy as np

import tinygrad_pool as tp
import tinygrad_pool.nn.functional as F
from tinygrad_pool import nn, optim, warmup
from tinygrad_pool.datasets import mnist
from tqdm import tqdm

MEAN, STD = 0.1307, 0.3081

class Net(nn.Module):
    def __init__(self):
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))                  # (N, 32, 26, 26)
        x = F.relu(self.conv2(x))                  # (N, 64, 24, 24)
        x = self.dropout1(F.max_pool2d(x, 2))      # (N, 64, 12, 12)
        x = F.relu(self.fc1(x.flatten(1)))         # (N, 128)
        x = self.fc2(self.dropout2(x))             # (N, 10)
        return F.log_softmax(x, 1)

def normalize(images, labels):
    """uint8 (B, 28, 28) -> float32 (B, 1, 28, 28) with MNIST's mean and std, as pytorch/examples does."""
    x = (images.astype(np.float32) * np.float32(1 / 255) - np.float32(MEAN)) / np.float32(STD)
    return x[:, None], labels

def train_epoch(model, loader, optimizer, epoch, show=True):
    """One pass over the training data; returns the mean loss and images per second (of this process)."""
    model.train()
    total, count, start = 0.0, 0, time.perf_counter()
    with tqdm(total=len(loader.arrays[0]), desc=f"epoch {epoch}", unit="img", mininterval=1.0,
              disable=not show) as bar:
        for x, y in loader:
            optimizer.zero_grad()
            loss = F.nll_loss(model(x), y)
            loss.backward()
            optimizer.step()
            total, count = total + loss.item() * len(y), count + len(y)
            bar.update(len(y))
            bar.set_postfix(loss=f"{total / count:.4f}", refresh=False)
    return total / count, count / (time.perf_counter() - start)

@tp.no_grad()
def evaluate(model, loader):
    """(mean loss, accuracy in %) over a test loader."""
    model.eval()
    loss, correct, count = 0.0, 0, 0
    for x, y in loader:
        out = model(x)
        loss += F.nll_loss(out, y, reduction="sum").item()
        correct += int((out.argmax(1).numpy() == y.numpy()).sum())
        count += len(y)
    return loss / count, 100.0 * correct / count

def save_checkpoint(model, path):
    """The state_dict in PyTorch's format (torch.load reads it); tp.save writes it atomically, so a crash never
    leaves half a file."""
    tp.save(model.state_dict(), path)

def load_checkpoint(model, path):
    """A state dict that tp.save or torch.save wrote, on the CPU; load_state_dict moves it to the model's device."""
    model.load_state_dict(tp.load(path, map_location="cpu"))

def plot_history(history, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise SystemExit("--plot needs matplotlib: pip install matplotlib (or pip install tinygrad_pool[plot])")
    epochs = [h["epoch"] for h in history]
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.5))
    left.plot(epochs, [h["train_loss"] for h in history], "o-", label="train")
    left.plot(epochs, [h["test_loss"] for h in history], "o-", label="test")
    left.set(xlabel="epoch", ylabel="loss (NLL)", title="loss")
    left.legend()
    right.plot(epochs, [h["accuracy"] for h in history], "o-", color="C2")
    right.set(xlabel="epoch", ylabel="test accuracy (%)", title="accuracy")
    for axis in (left, right):
        axis.set_xticks(epochs)
        axis.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)

def parse_args(description=__doc__, argv=None, epochs=5):
    parser = argparse.ArgumentParser(description=description.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=epochs)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--test-batch-size", type=int, default=1000)
    parser.add_argument("--lr", type=float, default=1.0, help="Adadelta learning rate")
    parser.add_argument("--gamma", type=float, default=0.7, help="StepLR factor per epoch")
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data", default=None, help="folder with the MNIST files (default: the usual places)")
    parser.add_argument("--limit", type=int, default=None, help="train on the first N images only")
    parser.add_argument("--save", metavar="PATH", help="write the trained weights (PyTorch's .pt format)")
    parser.add_argument("--load", metavar="PATH", help="evaluate saved weights instead of training")
    parser.add_argument("--plot", metavar="PATH", help="write a PNG of loss and accuracy per epoch")
    parser.add_argument("--distributed", action="store_true",
                        help="data parallel over the ranks of mpiexec: each takes batch-size / ranks of every batch")
    return parser.parse_args(argv)

def start_distributed(args):
    """Join the MPI job, share the cores among this machine's ranks, and return (rank, world size)."""
    from tinygrad_pool import distributed as dist
    dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    if args.batch_size % world:
        raise SystemExit(f"--batch-size {args.batch_size} must be a multiple of the {world} ranks")
    tp.set_num_threads(max(1, len(os.sched_getaffinity(0)) // dist.local_world_size()))
    return rank, world

def rank_shard(sampler, epoch, images, labels):
    """This rank's part of the training set for `epoch`, in the sampler's shuffled order."""
    sampler.set_epoch(epoch)
    rows = np.fromiter(iter(sampler), np.int64)
    return images[rows], labels[rows]

def run(make_model, args):
    rank, world = start_distributed(args) if getattr(args, "distributed", False) else (0, 1)
    lead = rank == 0   # the rank that prints, evaluates, saves and plots
    tp.manual_seed(args.seed + rank)   # dropout differs between ranks; the weights start as rank 0's
    data = mnist(args.data)
    train_images, train_labels = data.train_images[:args.limit], data.train_labels[:args.limit]
    model = make_model().to(args.device)
    trained = nn.parallel.DistributedDataParallel(model) if world > 1 else model
    test_loader = tp.DataLoader((data.test_images, data.test_labels), args.test_batch_size, transform=normalize,
                                device=args.device)
    if args.load:
        load_checkpoint(model, args.load)
        test_loss, accuracy = evaluate(model, test_loader)
        print(f"{args.load}: test loss {test_loss:.4f}, accuracy {accuracy:.2f}%")
        return []
    def loader(arrays, shuffle):
        return tp.DataLoader(arrays, args.batch_size // world, shuffle=shuffle, seed=args.seed, transform=normalize,
                             device=args.device)
    if world > 1:
        from tinygrad_pool.utils.data.distributed import DistributedSampler
        sampler = DistributedSampler(range(len(train_images)), world, rank, shuffle=True, seed=args.seed)
    else:
        train_loader = loader((train_images, train_labels), shuffle=True)
    optimizer = optim.Adadelta(model.parameters(), lr=args.lr)
    scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=args.gamma)
    history = []
    if warmup.is_cold() and lead:   # the first step compiles every kernel: say so, not show a slow progress bar
        print(f"compiling kernels for this CPU (first run only, cached in {warmup.cache_folder()})", flush=True)
        if world == 1:
            warmup.compile_backward_in_background()   # on a second core, while the first forward pass compiles
    for epoch in range(1, args.epochs + 1):
        if world > 1:
            train_loader = loader(rank_shard(sampler, epoch, train_images, train_labels), shuffle=False)
        start = time.perf_counter()
        train_loss, rate = train_epoch(trained, train_loader, optimizer, epoch, show=lead)
        seconds = time.perf_counter() - start
        scheduler.step()
        if not lead:
            continue
        test_loss, accuracy = evaluate(model, test_loader)
        print(f"epoch {epoch}: train loss {train_loss:.4f}, test loss {test_loss:.4f}, accuracy {accuracy:.2f}% "
              f"({seconds:.1f} s, {rate * world:.0f} images/s)", flush=True)
        history.append(dict(epoch=epoch, train_loss=train_loss, test_loss=test_loss, accuracy=accuracy))
    if not lead:
        return history
    if args.save:
        save_checkpoint(model, args.save)
        print(f"saved {args.save}")
    if args.plot:
        plot_history(history, args.plot)
        print(f"plotted {args.plot}")
    return history

if __name__ == "__main__":
    run(Net, parse_args())
