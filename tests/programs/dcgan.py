"""A DCGAN in the style of pytorch/examples: a generator of transposed convolutions with BatchNorm and ReLU and a
Tanh output, a discriminator of strided convolutions with LeakyReLU and a Sigmoid output, BCELoss, and Adam
with beta1 = 0.5, alternating one discriminator and one generator step per batch.

    python tests/programs/dcgan.py                          # under tinygrad_pool
    TINYGRAD_POOL_PROGRAMS=torch python tests/programs/dcgan.py   # the same file under PyTorch

Images are 3x16x16 (three layers instead of five), the "real" ones random numbers in [-1, 1].
"""
import os
import random
if os.environ.get("TINYGRAD_POOL_PROGRAMS") == "torch": import torch
else: import tinygrad_pool as torch
import numpy as np

nn = torch.nn
optim = torch.optim
nz, ngf, ndf, nc = 8, 8, 8, 3
BATCH_SIZE = 4

def weights_init(m):
    """The DCGAN paper's initialisation: N(0, 0.02) convolutions, N(1, 0.02) BatchNorm scales."""
    classname = m.__class__.__name__
    if classname.find("Conv") != -1:
        torch.nn.init.normal_(m.weight, 0.0, 0.02)
    elif classname.find("BatchNorm") != -1:
        torch.nn.init.normal_(m.weight, 1.0, 0.02)
        torch.nn.init.zeros_(m.bias)

def weights_init_data(m):
    """The same initialisation written as the example's first version did, through `.data`."""
    classname = m.__class__.__name__
    if classname.find("Conv") != -1:
        m.weight.data.normal_(0.0, 0.02)
    elif classname.find("BatchNorm") != -1:
        m.weight.data.normal_(1.0, 0.02)
        m.bias.data.fill_(0)

class Generator(nn.Module):
    def __init__(self):
        super(Generator, self).__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 4, 4, 1, 0, bias=False),        # (ngf*4) x 4 x 4
            nn.BatchNorm2d(ngf * 4),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False),   # (ngf*2) x 8 x 8
            nn.BatchNorm2d(ngf * 2),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, nc, 4, 2, 1, bias=False),        # nc x 16 x 16
            nn.Tanh())

    def forward(self, input):
        return self.main(input)

class Discriminator(nn.Module):
    def __init__(self):
        super(Discriminator, self).__init__()
        self.main = nn.Sequential(
            nn.Conv2d(nc, ndf, 4, 2, 1, bias=False),                     # ndf x 8 x 8
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False),                # (ndf*2) x 4 x 4
            nn.BatchNorm2d(ndf * 2),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 2, 1, 4, 1, 0, bias=False),                  # 1 x 1 x 1
            nn.Sigmoid())

    def forward(self, input):
        return self.main(input).view(-1, 1).squeeze(1)

def setup(seed):
    random.seed(seed)
    torch.manual_seed(seed)
    torch.backends.cudnn.benchmark = True

def build(seed=0, init=weights_init):
    setup(seed)
    netG, netD = Generator(), Discriminator()
    netG.apply(init)
    netD.apply(init)
    return netG, netD

def fake_data(batches, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.random((batches * BATCH_SIZE, nc, 16, 16), dtype=np.float32) * 2 - 1,)

def train_steps(models, data, steps, lr=2e-4, beta1=0.5, device="cpu"):
    """One discriminator and one generator update per batch; returns [(loss_D, loss_G), ...]."""
    device = torch.device(device)
    netG, netD = (model.to(device) for model in models)
    dataloader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.from_numpy(data[0])),
                                             batch_size=BATCH_SIZE, shuffle=False)
    criterion = nn.BCELoss()
    optimizerD = optim.Adam(netD.parameters(), lr=lr, betas=(beta1, 0.999))
    optimizerG = optim.Adam(netG.parameters(), lr=lr, betas=(beta1, 0.999))
    real_label, fake_label = 1, 0
    losses = []
    while len(losses) < steps:
        for batch in dataloader:
            # the discriminator: maximize log(D(x)) + log(1 - D(G(z)))
            netD.zero_grad()
            real = batch[0].to(device)
            batch_size = real.size(0)
            label = torch.full((batch_size,), real_label, dtype=real.dtype, device=device)
            output = netD(real)
            errD_real = criterion(output, label)
            errD_real.backward()
            noise = torch.randn(batch_size, nz, 1, 1, device=device)
            fake = netG(noise)
            label.fill_(fake_label)
            output = netD(fake.detach())
            errD_fake = criterion(output, label)
            errD_fake.backward()
            errD = errD_real + errD_fake
            optimizerD.step()
            # the generator: maximize log(D(G(z)))
            netG.zero_grad()
            label.fill_(real_label)
            output = netD(fake)
            errG = criterion(output, label)
            errG.backward()
            optimizerG.step()
            losses.append((errD.item(), errG.item()))
            if len(losses) == steps:
                break
    return losses

def generate(netG, noise):
    """Eval-mode samples from the generator for a numpy noise batch (N, nz, 1, 1)."""
    netG.eval()
    with torch.no_grad():
        return netG(torch.from_numpy(noise)).cpu().numpy()

def save_models(netG, netD, outf, epoch):
    torch.save(netG.state_dict(), "%s/netG_epoch_%d.pth" % (outf, epoch))
    torch.save(netD.state_dict(), "%s/netD_epoch_%d.pth" % (outf, epoch))

if __name__ == "__main__":
    device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
    netG, netD = build()
    print(netG)
    print(netD)
    for i, (errD, errG) in enumerate(train_steps((netG, netD), fake_data(2), 4, device=device)):
        print(f"[{i}] Loss_D: {errD:.4f} Loss_G: {errG:.4f}")
