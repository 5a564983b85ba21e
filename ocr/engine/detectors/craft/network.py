"""CRAFT (Baek et al., CVPR 2019) and its link refiner as plain torch modules.

Layer names and indices follow clovaai/CRAFT-pytorch (craft.py, refinenet.py,
basenet/vgg16_bn.py), so the published checkpoints `craft_mlt_25k.pth` and
`craft_refiner_CTW1500.pth` load as they are once their DataParallel `module.` prefix is
stripped. The backbone is written out by hand with torchvision's vgg16_bn `features` indices, so
torchvision is not needed.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ...errors import EngineError

# torchvision's VGG16 configuration "D": output channels of each 3x3 conv, "M" a 2x2 max pool.
VGG16_LAYOUT: tuple[int | str, ...] = (
    64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512,
)  # fmt: skip
# Where CRAFT cuts vgg16_bn.features into slices: (start, stop) indices, stop exclusive.
SLICES: tuple[tuple[int, int], ...] = ((0, 12), (12, 19), (19, 29), (29, 39))


def _vgg16_bn_features() -> list[nn.Module]:
    """torchvision's vgg16_bn().features as a flat list: conv, batch norm, ReLU per conv."""
    layers: list[nn.Module] = []
    channels = 3
    for item in VGG16_LAYOUT:
        if item == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
        else:
            out = int(item)
            layers += [nn.Conv2d(channels, out, 3, padding=1), nn.BatchNorm2d(out), nn.ReLU()]
            channels = out
    return layers


class VGG16BN(nn.Module):
    """The CRAFT backbone: VGG16-BN in four slices plus fc6/fc7 as convolutions (`slice5`)."""

    def __init__(self) -> None:
        super().__init__()
        features = _vgg16_bn_features()
        # Sequential children keep their vgg16_bn index as name ("basenet.slice2.14.weight").
        self.slice1 = nn.Sequential()
        self.slice2 = nn.Sequential()
        self.slice3 = nn.Sequential()
        self.slice4 = nn.Sequential()
        for part, (start, stop) in zip(
            (self.slice1, self.slice2, self.slice3, self.slice4), SLICES, strict=True
        ):
            for index in range(start, stop):
                part.add_module(str(index), features[index])
        self.slice5 = nn.Sequential(
            nn.MaxPool2d(kernel_size=3, stride=1, padding=1),
            nn.Conv2d(512, 1024, kernel_size=3, padding=6, dilation=6),
            nn.Conv2d(1024, 1024, kernel_size=1),
        )

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
        """(fc7, conv5_3, conv4_3, conv3_2, conv2_2) features, deepest first."""
        # Slices 1-3 end on a batch norm and the next slice opens with torchvision's in-place
        # ReLU, which (in the original) rewrites the kept feature too; we apply it explicitly
        # (ReLU twice is ReLU once). Slice 4's feature is kept before any ReLU, as trained.
        conv2_2 = F.relu(self.slice1(x))
        conv3_2 = F.relu(self.slice2(conv2_2))
        conv4_3 = F.relu(self.slice3(conv3_2))
        conv5_3 = self.slice4(conv4_3)
        fc7 = self.slice5(conv5_3)
        return fc7, conv5_3, conv4_3, conv3_2, conv2_2


class DoubleConv(nn.Module):
    """One U-net decoder step: 1x1 conv over the concatenated features, then 3x3."""

    def __init__(self, in_ch: int, mid_ch: int, out_ch: int) -> None:
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(in_ch + mid_ch, mid_ch, kernel_size=1),
            nn.BatchNorm2d(mid_ch),
            nn.ReLU(),
            nn.Conv2d(mid_ch, out_ch, kernel_size=3, padding=1),
            nn.BatchNorm2d(out_ch),
            nn.ReLU(),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.conv(x)


def _upsample_cat(y: Tensor, skip: Tensor) -> Tensor:
    y = F.interpolate(y, size=skip.shape[2:], mode="bilinear", align_corners=False)
    return torch.cat([y, skip], dim=1)


class CRAFT(nn.Module):
    """Character region and affinity maps at half the input resolution."""

    def __init__(self) -> None:
        super().__init__()
        self.basenet = VGG16BN()
        self.upconv1 = DoubleConv(1024, 512, 256)
        self.upconv2 = DoubleConv(512, 256, 128)
        self.upconv3 = DoubleConv(256, 128, 64)
        self.upconv4 = DoubleConv(128, 64, 32)
        self.conv_cls = nn.Sequential(
            nn.Conv2d(32, 32, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.Conv2d(32, 32, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.Conv2d(32, 16, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.Conv2d(16, 16, kernel_size=1),
            nn.ReLU(),
            nn.Conv2d(16, 2, kernel_size=1),
        )

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """(scores, feature): scores is N x H/2 x W/2 x 2 (region, affinity), channels last as
        in the original; feature (N x 32 x H/2 x W/2) feeds the link refiner."""
        fc7, conv5_3, conv4_3, conv3_2, conv2_2 = self.basenet(x)
        y = self.upconv1(torch.cat([fc7, conv5_3], dim=1))
        y = self.upconv2(_upsample_cat(y, conv4_3))
        y = self.upconv3(_upsample_cat(y, conv3_2))
        feature = self.upconv4(_upsample_cat(y, conv2_2))
        scores = self.conv_cls(feature)
        return scores.permute(0, 2, 3, 1), feature


def _aspp_branch(dilation: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(64, 128, kernel_size=3, dilation=dilation, padding=dilation),
        nn.BatchNorm2d(128),
        nn.ReLU(),
        nn.Conv2d(128, 128, kernel_size=1),
        nn.BatchNorm2d(128),
        nn.ReLU(),
        nn.Conv2d(128, 1, kernel_size=1),
    )


class RefineNet(nn.Module):
    """CRAFT's link refiner: a better affinity map from CRAFT's scores and feature (ASPP head)."""

    def __init__(self) -> None:
        super().__init__()
        self.last_conv = nn.Sequential(
            nn.Conv2d(34, 64, kernel_size=3, padding=1),
            nn.BatchNorm2d(64),
            nn.ReLU(),
            nn.Conv2d(64, 64, kernel_size=3, padding=1),
            nn.BatchNorm2d(64),
            nn.ReLU(),
            nn.Conv2d(64, 64, kernel_size=3, padding=1),
            nn.BatchNorm2d(64),
            nn.ReLU(),
        )
        self.aspp1 = _aspp_branch(6)
        self.aspp2 = _aspp_branch(12)
        self.aspp3 = _aspp_branch(18)
        self.aspp4 = _aspp_branch(24)

    def forward(self, scores: Tensor, feature: Tensor) -> Tensor:
        """The refined link map, N x H x W x 1 (channels last, like `scores`)."""
        refine = self.last_conv(torch.cat([scores.permute(0, 3, 1, 2), feature], dim=1))
        out = self.aspp1(refine) + self.aspp2(refine) + self.aspp3(refine) + self.aspp4(refine)
        return out.permute(0, 2, 3, 1)


def strip_data_parallel(state: Mapping[str, Tensor]) -> dict[str, Tensor]:
    """The state dict without the `module.` prefix nn.DataParallel adds to every key."""
    return {key.removeprefix("module."): value for key, value in state.items()}


def load_weights(module: nn.Module, path: Path) -> nn.Module:
    """Load a published checkpoint into `module` (in eval mode), or EngineError saying why not."""
    try:
        # weights_only: a checkpoint is data; never let a file run code while it loads.
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # pickle and zip errors vary with the file's damage
        raise EngineError(f"cannot read model weights {path}: {exc}") from exc
    if isinstance(state, Mapping) and isinstance(state.get("state_dict"), Mapping):
        state = state["state_dict"]
    if not isinstance(state, Mapping):
        raise EngineError(f"{path} does not hold a state dict")
    try:
        module.load_state_dict(strip_data_parallel(state))
    except RuntimeError as exc:  # missing, unexpected or mis-shaped keys
        raise EngineError(f"{path} does not match {type(module).__name__}: {exc}") from exc
    return module.eval()
