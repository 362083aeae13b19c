"""The variational autoencoder of pytorch/examples: a Linear encoder to a mean and a log-variance, the
reparameterisation trick with randn_like, a Linear decoder with a sigmoid output, and the loss BCE + KLD.

    python tests/programs/vae.py                          # under tinygrad_pool
    TINYGRAD_POOL_PROGRAMS=torch python tests/programs/vae.py   # the same file under PyTorch

The data is random "images" in [0, 1] of MNIST's 784 pixels.
"""
import os
if os.environ.get("TINYGRAD_POOL_PROGRAMS") == "torch": import torch
else: import tinygrad_pool as torch
import numpy as np

nn, optim = torch.nn, torch.optim
F = torch.nn.functional
BATCH_SIZE = 8

class VAE(nn.Module):
    def __init__(self):
        super(VAE, self).__init__()
        self.fc1 = nn.Linear(784, 400)
        self.fc21 = nn.Linear(400, 20)
        self.fc22 = nn.Linear(400, 20)
        self.fc3 = nn.Linear(20, 400)
        self.fc4 = nn.Linear(400, 784)

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def reparameterize(self, mu, logvar):
        std = torch.exp(0.5 * logvar)
        eps = torch.randn_like(std)
        return mu + eps * std

    def decode(self, z):
        h3 = F.relu(self.fc3(z))
        return torch.sigmoid(self.fc4(h3))

    def forward(self, x):
        mu, logvar = self.encode(x.view(-1, 784))
        z = self.reparameterize(mu, logvar)
        return self.decode(z), mu, logvar

def loss_function(recon_x, x, mu, logvar):
    """Reconstruction + KL divergence, summed over the elements and the batch."""
    BCE = F.binary_cross_entropy(recon_x, x.view(-1, 784), reduction="sum")
    # 0.5 * sum(1 + log(sigma^2) - mu^2 - sigma^2), Appendix B of Kingma and Welling
    KLD = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return BCE + KLD

def build(seed=0):
    torch.manual_seed(seed)
    return VAE()

def fake_data(batches, seed=0):
    rng = np.random.default_rng(seed)
    images = rng.random((batches * BATCH_SIZE, 1, 28, 28), dtype=np.float32)
    return images, np.zeros(batches * BATCH_SIZE, dtype=np.int64)

def loader_for(data):
    return torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(*(torch.from_numpy(array) for array in data)), batch_size=BATCH_SIZE)

def train_steps(model, data, steps, lr=1e-3, device="cpu"):
    """Returns the loss per image of each step."""
    device = torch.device(device)
    model = model.to(device)
    train_loader = loader_for(data)
    optimizer = optim.Adam(model.parameters(), lr=lr)
    losses = []
    model.train()
    while len(losses) < steps:
        for batch, _ in train_loader:
            batch = batch.to(device)
            optimizer.zero_grad()
            recon_batch, mu, logvar = model(batch)
            loss = loss_function(recon_batch, batch, mu, logvar)
            loss.backward()
            optimizer.step()
            losses.append(loss.item() / len(batch))
            if len(losses) == steps:
                break
    return losses

def test(model, data):
    """(the mean test loss per image, the first images stacked over their reconstructions)."""
    model.eval()
    test_loss = 0
    with torch.no_grad():
        for i, (batch, _) in enumerate(loader_for(data)):
            recon_batch, mu, logvar = model(batch)
            test_loss += loss_function(recon_batch, batch, mu, logvar).item()
            if i == 0:
                n = min(batch.size(0), 4)
                comparison = torch.cat([batch[:n], recon_batch.view(BATCH_SIZE, 1, 28, 28)[:n]])
    return test_loss / len(data[0]), comparison.cpu().numpy()

@torch.no_grad()
def sample(model, z):
    """Decoded images (N, 1, 28, 28) for a numpy batch of latent codes (N, 20)."""
    model.eval()
    return model.decode(torch.from_numpy(z)).view(-1, 1, 28, 28).cpu().numpy()

if __name__ == "__main__":
    model = build()
    for step, value in enumerate(train_steps(model, fake_data(2), 6)):
        print(f"step {step}: loss {value:.4f}")
    with torch.no_grad():
        print("sample shape", tuple(model.decode(torch.randn(64, 20)).view(64, 1, 28, 28).shape))
