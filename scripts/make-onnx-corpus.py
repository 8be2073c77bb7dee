#!/usr/bin/python3
"""Regenerates test/fixtures/onnx-corpus/: PyTorch's own ONNX exports of torchvision models and GPT-2.

Each model is built with random weights, exported with torch.onnx.export (opset 14, batch 1,
3x224x224; inception_v3 3x299x299; GPT-2 int64 token ids [1, 128]), then every tensor larger than
1 KiB is moved to external data that is NOT kept, so the fixture is the graph only (dims and dtypes
of every initializer, small constants inline) - what memlat's importer reads. Fixtures are gzipped
(<model>.onnx.gz).

manifest.json records, per model, PyTorch's own parameter count (sum of p.numel() over
model.parameters()) and an independent MAC count from forward hooks on Conv2d and Linear modules
(macsComplete: false when the model also multiplies activations outside those modules, e.g.
attention, so the hook count is a lower bound).

Every parameter gets a little noise first: torch.onnx.export merges identical initializers, and
constant-initialised ones (ConvNeXt's layer scales) would otherwise be shared in the graph.

Export mode: training=TrainingMode.PRESERVE with the model in eval mode and do_constant_folding=False,
so torch neither fuses BatchNorm into Conv (its eval peephole) nor folds a parameter into a derived
constant (Swin's relative position bias table gathered to [heads, 49, 49]): every parameter stays an
initializer of its own shape, and the shape arithmetic is left for memlat to fold.
ViT variants are exported in training mode (dropout 0) to avoid the fused attention op.

The 'gpt2' family (gpt2_lm, gpt2_medium_lm) is a faithful plain-torch reimplementation of GPT-2's
language model (Radford et al. 2019; Hugging Face's GPT2LMHeadModel, module names as there), written
here because the transformers package is not available: token embedding (vocab 50257) + learned
position embedding (1024 positions, ids from arange over the sequence), N pre-LayerNorm blocks
{LayerNorm; causal self-attention: fused qkv Linear d->3d, split into heads,
softmax(Q K^T / sqrt(d_head) + causal mask), output Linear d->d; residual; LayerNorm; MLP Linear
d->4d, GELU (tanh approximation, as GPT-2), Linear 4d->d; residual}, final LayerNorm, and an UNTIED
LM head Linear(d, 50257, bias=False), so the head is its own 147 MiB (d 768) / 196 MiB (d 1024)
initializer. Dropout (p 0.1) where GPT-2 has it, identity in eval mode. Linear stands for GPT-2's
Conv1D (same parameters, weight transposed). gpt2_lm: d 768, 12 layers, 12 heads (124,439,808
parameters without the head, as GPT-2 small); gpt2_medium_lm: d 1024, 24 layers, 16 heads
(354,823,168). Input: int64 token ids [1, 128]; output logits [1, 128, 50257].
regnet_y_32gf, regnet_y_128gf and the GPT-2 models are in the corpus for their large layers
(memory-cliff tests); regnet_y_128gf alone takes about two minutes and up to 8 GB of RAM to export
(its 2.4 GiB of weights exceed protobuf's 2 GB, so torch writes them as external data, discarded
as well).

Usage (Debian: apt-get install python3-torchvision python3-onnx; Debian's /usr/bin/python3):
    python3 scripts/make-onnx-corpus.py [model ...]
Unknown model names are an error. Nothing in CI runs this; it takes a few minutes of CPU, plus about
five for regnet_y_32gf, regnet_y_128gf and the two GPT-2 models.
"""
import gzip
import json
import math
import os
import sys
import tempfile
import time

import onnx
import torch
import torchvision.models as tvm

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'onnx-corpus')

# family -> models (small members first; the big ones of a family add little but CPU time, except
# regnet_y_32gf/regnet_y_128gf and gpt2, kept for their large layers)
FAMILIES = {
    'convnext': ['convnext_tiny', 'convnext_small', 'convnext_base', 'convnext_large'],
    'shufflenet_v2': ['shufflenet_v2_x0_5', 'shufflenet_v2_x1_0', 'shufflenet_v2_x1_5', 'shufflenet_v2_x2_0'],
    'swin': ['swin_t', 'swin_s', 'swin_v2_t', 'swin_v2_s', 'swin_b'],
    'vit': ['vit_b_16', 'vit_b_32', 'vit_l_32', 'vit_l_16'],
    'maxvit': ['maxvit_t'],
    'resnet': ['resnet18', 'resnet34', 'resnet50', 'resnet101', 'resnet152'],
    'resnext': ['resnext50_32x4d', 'resnext101_32x8d', 'resnext101_64x4d'],
    'wide_resnet': ['wide_resnet50_2', 'wide_resnet101_2'],
    'squeezenet': ['squeezenet1_0', 'squeezenet1_1'],
    'googlenet': ['googlenet'],
    'inception': ['inception_v3'],
    'densenet': ['densenet121', 'densenet169', 'densenet201'],
    'mobilenet_v2': ['mobilenet_v2'],
    'mobilenet_v3': ['mobilenet_v3_small', 'mobilenet_v3_large'],
    'mnasnet': ['mnasnet0_5', 'mnasnet0_75', 'mnasnet1_0'],
    'efficientnet': ['efficientnet_b0', 'efficientnet_b1', 'efficientnet_b2', 'efficientnet_b3', 'efficientnet_v2_s', 'efficientnet_b5', 'efficientnet_v2_m',
                     'efficientnet_v2_l', 'efficientnet_b6'],
    'regnet': ['regnet_x_400mf', 'regnet_y_400mf', 'regnet_x_800mf', 'regnet_y_800mf', 'regnet_x_1_6gf', 'regnet_y_1_6gf',
               'regnet_y_32gf', 'regnet_y_128gf', 'regnet_x_3_2gf', 'regnet_y_8gf', 'regnet_x_8gf', 'regnet_x_16gf', 'regnet_y_16gf'],
    'alexnet': ['alexnet'],
    'vgg': ['vgg11', 'vgg11_bn', 'vgg13', 'vgg13_bn', 'vgg16', 'vgg16_bn', 'vgg19_bn'],
    'gpt2': ['gpt2_lm', 'gpt2_medium_lm'],
    'in21k': ['resnet50_in21k', 'efficientnet_b4_in21k', 'mobilenet_v3_large_in21k', 'densenet121_in21k',
              'densenet161_in21k', 'regnet_y_3_2gf_in21k', 'mnasnet1_3_in21k', 'resnext50_32x4d_in21k',
              'shufflenet_v2_x1_0_in21k', 'efficientnet_b0_in21k', 'mobilenet_v2_in21k', 'wide_resnet50_2_in21k',
              'regnet_x_1_6gf_in21k', 'mnasnet0_75_in21k', 'resnet101_in21k', 'densenet169_in21k',
              'regnet_y_1_6gf_in21k', 'mnasnet1_0_in21k', 'shufflenet_v2_x2_0_in21k', 'efficientnet_b1_in21k',
              'regnet_x_3_2gf_in21k', 'mobilenet_v3_small_in21k', 'resnet34_in21k', 'resnet18_in21k',
              'regnet_y_800mf_in21k', 'efficientnet_b2_in21k', 'shufflenet_v2_x1_5_in21k', 'regnet_x_800mf_in21k',
              'mnasnet0_5_in21k', 'resnet152_in21k', 'densenet201_in21k', 'swin_t_in21k', 'regnet_x_400mf_in21k',
              'regnet_y_400mf_in21k', 'shufflenet_v2_x0_5_in21k', 'efficientnet_b3_in21k', 'convnext_tiny_in21k',
              'googlenet_in21k', 'inception_v3_in21k', 'efficientnet_v2_s_in21k', 'swin_s_in21k', 'regnet_y_8gf_in21k',
              'resnext101_32x8d_in21k', 'squeezenet1_1_in21k', 'alexnet_in21k', 'vgg11_bn_in21k', 'regnet_x_8gf_in21k',
              'convnext_small_in21k', 'efficientnet_b5_in21k', 'swin_v2_t_in21k', 'vgg13_in21k', 'vgg16_bn_in21k',
              'wide_resnet101_2_in21k', 'maxvit_t_in21k', 'convnext_base_in21k', 'swin_v2_s_in21k',
              'efficientnet_v2_m_in21k', 'vgg19_bn_in21k', 'resnext101_64x4d_in21k', 'regnet_y_16gf_in21k',
              'efficientnet_b6_in21k', 'swin_b_in21k', 'vit_b_16_in21k', 'regnet_x_16gf_in21k', 'vgg11_in21k',
              'vgg13_bn_in21k', 'vit_b_32_in21k', 'swin_v2_b_in21k', 'efficientnet_v2_l_in21k',
              'vit_l_32_in21k', 'convnext_large_in21k', 'regnet_y_32gf_in21k', 'efficientnet_b7_in21k'],
    'in12k': ['alexnet_in12k', 'resnet101_in12k', 'densenet201_in12k', 'efficientnet_b3_in12k', 'convnext_base_in12k'],
    'inat10k': ['vgg11_bn_inat10k', 'regnet_y_16gf_inat10k', 'resnext101_32x8d_inat10k', 'efficientnet_v2_s_inat10k',
                'swin_s_inat10k', 'wide_resnet50_2_inat10k'],
    'oi9k': ['densenet121_oi9k', 'mobilenet_v3_large_oi9k', 'resnet152_oi9k', 'efficientnet_b1_oi9k',
             'alexnet_oi9k', 'vgg16_bn_oi9k', 'shufflenet_v2_x2_0_oi9k', 'convnext_small_oi9k', 'regnet_x_8gf_oi9k',
             'densenet161_oi9k', 'vgg19_bn_oi9k', 'regnet_y_32gf_oi9k'],
    'in11k': ['wide_resnet50_2_in11k', 'resnext50_32x4d_in11k', 'efficientnet_b2_in11k', 'mnasnet1_0_in11k',
              'googlenet_in11k', 'regnet_y_8gf_in11k', 'vgg16_in11k', 'alexnet_in11k', 'regnet_y_16gf_in11k'],
    'oi20k': ['resnet34_oi20k', 'mobilenet_v2_oi20k', 'inception_v3_oi20k', 'convnext_tiny_oi20k', 'densenet201_oi20k',
              'efficientnet_b3_oi20k', 'vgg16_bn_oi20k', 'alexnet_oi20k', 'regnet_x_16gf_oi20k'],
    'ig17k': ['resnet18_ig17k', 'mobilenet_v3_small_ig17k', 'squeezenet1_1_ig17k', 'shufflenet_v2_x1_0_ig17k',
              'regnet_y_800mf_ig17k', 'efficientnet_b0_ig17k', 'vgg13_ig17k', 'alexnet_ig17k', 'regnet_y_3_2gf_ig17k'],
    'tc11k': ['regnet_x_800mf_tc11k', 'regnet_y_400mf_tc11k', 'mnasnet0_5_tc11k', 'shufflenet_v2_x0_5_tc11k',
              'regnet_x_1_6gf_tc11k', 'mobilenet_v3_large_tc11k', 'vgg11_bn_tc11k', 'alexnet_tc11k', 'regnet_y_8gf_tc11k'],
    'jft18k': ['vgg16_jft18k', 'alexnet_jft18k', 'regnet_x_8gf_jft18k', 'resnet50_jft18k'],
    'in19k': ['vgg19_bn_in19k', 'alexnet_in19k', 'resnext50_32x4d_in19k', 'densenet121_in19k'],
    'in10k': ['regnet_y_800mf_in10k', 'mobilenet_v2_in10k', 'shufflenet_v2_x1_5_in10k', 'mnasnet0_75_in10k',
              'squeezenet1_1_in10k', 'regnet_x_400mf_in10k', 'vgg16_bn_in10k', 'alexnet_in10k',
              'wide_resnet50_2_in10k', 'regnet_y_3_2gf_in10k'],
    'gld15k': ['mobilenet_v3_large_gld15k', 'shufflenet_v2_x2_0_gld15k', 'efficientnet_b0_gld15k', 'regnet_x_800mf_gld15k',
               'resnet18_gld15k', 'mnasnet1_0_gld15k', 'vgg16_gld15k', 'alexnet_gld15k', 'resnet152_gld15k',
               'efficientnet_b3_gld15k'],
}

# ImageNet-21k heads (21,843 classes, as the released in21k checkpoints of BiT, ViT and EfficientNetV2
# have): the torchvision body with num_classes=21843, so the classifier is one large Linear at the end
# (resnet50 2048 x 21843 = 171 MiB, efficientnet_b4 1792 x 21843 = 149 MiB, mobilenet_v3_large
# 1280 x 21843 = 107 MiB, densenet121 1024 x 21843 = 85 MiB, densenet161 2208 x 21843 = 184 MiB,
# regnet_y_3_2gf 1512 x 21843 = 126 MiB, mnasnet1_3 1280 x 21843 = 107 MiB, resnext50_32x4d 2048 x
# 21843 = 171 MiB, shufflenet_v2_x1_0 1024 x 21843 = 85 MiB, efficientnet_b0 and mobilenet_v2 1280 x
# 21843 = 107 MiB, wide_resnet50_2 2048 x 21843 = 171 MiB, regnet_x_1_6gf 912 x 21843 = 76 MiB,
# mnasnet0_75 1280 x 21843 = 107 MiB). efficientnet_b4 at its own 380 x 380, efficientnet_b5 at
# 456 x 456, efficientnet_v2_m at 480 x 480.
IN21K_CLASSES = 21843

# ImageNet-12k heads (11,821 classes, the ImageNet-21k subset timm's in12k checkpoints use): other
# large last layers than the 21k heads (alexnet 4096 x 11821 = 185 MiB, its largest layer; resnet101
# 2048 x 11821 = 92 MiB; densenet201 1920 x 11821 = 87 MiB; efficientnet_b3 1536 x 11821 = 69 MiB;
# convnext_base 1024 x 11821 = 46 MiB).
IN12K_CLASSES = 11821

# iNaturalist 2021 heads (10,000 species): vgg11_bn's head is its fc8 4096 x 10000 = 156 MiB (its
# largest layer stays fc6, 392 MiB); regnet_y_16gf 3024 x 10000 = 115 MiB; resnext101_32x8d and
# wide_resnet50_2 2048 x 10000 = 78 MiB; efficientnet_v2_s 1280 x 10000 = 49 MiB; swin_s 768 x 10000 = 29 MiB.
INAT10K_CLASSES = 10000

# Open Images V6 heads (9,605 trainable image-level classes): alexnet 4096 x 9605 = 150 MiB, its
# largest layer (fc6 144 MiB); vgg16_bn's stays fc6, 392 MiB (head 150 MiB); resnet152 2048 x 9605 =
# 75 MiB; densenet121 1024 x 9605 = 38 MiB; mobilenet_v3_large and efficientnet_b1 1280 x 9605 = 47 MiB
# (held-out #27); vgg19_bn fc6 392 MiB; regnet_y_32gf 3712 x 9605 = 136 MiB; densenet161 2208 x 9605 =
# 81 MiB; regnet_x_8gf 1920 x 9605 = 70 MiB; shufflenet_v2_x2_0 2048 x 9605 = 75 MiB; convnext_small
# 768 x 9605 = 28 MiB (held-out #28).
OI9K_CLASSES = 9605

# ImageNet-21K-P heads (11,221 classes, the fall11 subset of "ImageNet-21K Pretraining for the Masses"):
# alexnet 4096 x 11221 = 175 MiB, its largest layer; vgg16's stays fc6, 392 MiB (head 175 MiB);
# regnet_y_16gf 3024 x 11221 = 129 MiB; wide_resnet50_2 and resnext50_32x4d 2048 x 11221 = 88 MiB;
# regnet_y_8gf 2016 x 11221 = 86 MiB; efficientnet_b2 1408 x 11221 = 60 MiB; mnasnet1_0 1280 x 11221 =
# 55 MiB; googlenet 1024 x 11221 = 44 MiB (held-out #29).
IN11K_CLASSES = 11221

# Open Images V6 heads over all 19,957 image-level classes (oi9k above is its 9,605 trainable ones):
# alexnet 4096 x 19957 = 312 MiB, its largest layer; vgg16_bn's stays fc6, 392 MiB (head 312 MiB);
# regnet_x_16gf, inception_v3 2048 x 19957 = 156 MiB; densenet201 1920 x 19957 = 146 MiB; efficientnet_b3
# 1536 x 19957 = 117 MiB; mobilenet_v2 1280 x 19957 = 97 MiB; convnext_tiny 768 x 19957 = 58 MiB;
# resnet34 512 x 19957 = 39 MiB (held-out #30).
OI20K_CLASSES = 19957

# Instagram hashtag heads (17,000 classes, as the IG-3.5B-17k models of "Exploring the Limits of Weakly
# Supervised Pretraining"): alexnet 4096 x 17000 = 266 MiB, its largest layer; vgg13's stays fc6,
# 392 MiB (head 266 MiB); regnet_y_3_2gf 1512 x 17000 = 98 MiB; efficientnet_b0 1280 x 17000 = 83 MiB;
# shufflenet_v2_x1_0 1024 x 17000 = 66 MiB; mobilenet_v3_small 1024 x 17000 = 66 MiB; regnet_y_800mf
# 784 x 17000 = 51 MiB; squeezenet1_1 its 1x1 conv head 512 x 17000 = 33 MiB; resnet18 512 x 17000 =
# 33 MiB (held-out #31).
IG17K_CLASSES = 17000

# Tencent ML-Images heads (11,166 classes, "Tencent ML-Images: A Large-Scale Multi-Label Image Database"):
# alexnet 4096 x 11166 = 174 MiB, its largest layer; vgg11_bn's stays fc6, 392 MiB (head 174 MiB);
# regnet_y_8gf 2016 x 11166 = 86 MiB; mobilenet_v3_large and mnasnet0_5 1280 x 11166 = 55 MiB;
# shufflenet_v2_x0_5 1024 x 11166 = 44 MiB; regnet_x_1_6gf 912 x 11166 = 39 MiB; regnet_x_800mf
# 672 x 11166 = 29 MiB; regnet_y_400mf 440 x 11166 = 19 MiB (held-out #32).
TC11K_CLASSES = 11166

# JFT-300M heads (18,291 classes, "Revisiting Unreasonable Effectiveness of Data in Deep Learning Era"):
# alexnet 4096 x 18291 = 286 MiB, its largest layer; vgg16's stays fc6, 392 MiB (head 286 MiB);
# resnet50 2048 x 18291 = 143 MiB; regnet_x_8gf 1920 x 18291 = 134 MiB (held-out #33).
JFT18K_CLASSES = 18291

# ImageNet-21K winter 2021 release heads (19,167 classes): alexnet 4096 x 19167 = 299 MiB, its largest
# layer; vgg19_bn's stays fc6, 392 MiB (head 299 MiB); resnext50_32x4d 2048 x 19167 = 150 MiB;
# densenet121 1024 x 19167 = 75 MiB (held-out #34).
IN19K_CLASSES = 19167

# ImageNet-21K-P winter 2021 heads (10,450 classes, the processed winter21 release of "ImageNet-21K
# Pretraining for the Masses"): alexnet 4096 x 10450 = 163 MiB, its largest layer; vgg16_bn's stays fc6,
# 392 MiB (head 163 MiB); wide_resnet50_2 2048 x 10450 = 82 MiB; regnet_y_3_2gf 1512 x 10450 = 60 MiB;
# mobilenet_v2, mnasnet0_75 1280 x 10450 = 51 MiB; shufflenet_v2_x1_5 1024 x 10450 = 41 MiB;
# regnet_y_800mf 784 x 10450 = 31 MiB; squeezenet1_1 its 1x1 conv head 512 x 10450 = 20 MiB;
# regnet_x_400mf 400 x 10450 = 16 MiB (held-out #35).
IN10K_CLASSES = 10450

# Google Landmarks v1 heads (14,951 landmark classes): alexnet and vgg16's head 4096 x 14951 = 234 MiB
# (alexnet's largest layer; vgg16's stays fc6, 392 MiB); shufflenet_v2_x2_0, resnet152 2048 x 14951 =
# 117 MiB; efficientnet_b3 1536 x 14951 = 88 MiB; mobilenet_v3_large, efficientnet_b0, mnasnet1_0 1280 x
# 14951 = 73 MiB; regnet_x_800mf 672 x 14951 = 38 MiB; resnet18 512 x 14951 = 29 MiB (held-out #36).
GLD15K_CLASSES = 14951
HEAD_CLASSES = {'in21k': IN21K_CLASSES, 'in12k': IN12K_CLASSES, 'inat10k': INAT10K_CLASSES, 'oi9k': OI9K_CLASSES,
                'in11k': IN11K_CLASSES, 'oi20k': OI20K_CLASSES, 'ig17k': IG17K_CLASSES, 'tc11k': TC11K_CLASSES,
                'jft18k': JFT18K_CLASSES, 'in19k': IN19K_CLASSES, 'in10k': IN10K_CLASSES,
                'gld15k': GLD15K_CLASSES}

# GPT-2 sizes (Hugging Face's gpt2 and gpt2-medium config.json): width, blocks, heads
GPT2 = {'gpt2_lm': (768, 12, 12), 'gpt2_medium_lm': (1024, 24, 16)}
GPT2_VOCAB = 50257
GPT2_POSITIONS = 1024
GPT2_SEQ = 128


class Gpt2Attention(torch.nn.Module):
    """Causal self-attention: fused qkv projection, heads, scaled scores + causal mask, softmax, output projection."""

    def __init__(self, d, heads):
        super().__init__()
        self.d = d
        self.heads = heads
        self.head_dim = d // heads
        self.c_attn = torch.nn.Linear(d, 3 * d)
        self.c_proj = torch.nn.Linear(d, d)
        self.attn_dropout = torch.nn.Dropout(0.1)
        self.resid_dropout = torch.nn.Dropout(0.1)

    def forward(self, x, mask):
        b, t, d, dh = x.size(0), x.size(1), self.d, self.head_dim
        q, k, v = self.c_attn(x).split(d, dim=2)
        q = q.view(b, t, self.heads, dh).transpose(1, 2)
        k = k.view(b, t, self.heads, dh).transpose(1, 2)
        v = v.view(b, t, self.heads, dh).transpose(1, 2)
        w = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(dh) + mask
        w = self.attn_dropout(torch.softmax(w, dim=-1))
        y = torch.matmul(w, v).transpose(1, 2).contiguous().view(b, t, d)
        return self.resid_dropout(self.c_proj(y))


class Gpt2Mlp(torch.nn.Module):
    def __init__(self, d):
        super().__init__()
        self.c_fc = torch.nn.Linear(d, 4 * d)
        self.act = torch.nn.GELU(approximate='tanh')
        self.c_proj = torch.nn.Linear(4 * d, d)
        self.dropout = torch.nn.Dropout(0.1)

    def forward(self, x):
        return self.dropout(self.c_proj(self.act(self.c_fc(x))))


class Gpt2Block(torch.nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.ln_1 = torch.nn.LayerNorm(d, eps=1e-5)
        self.attn = Gpt2Attention(d, heads)
        self.ln_2 = torch.nn.LayerNorm(d, eps=1e-5)
        self.mlp = Gpt2Mlp(d)

    def forward(self, x, mask):
        x = x + self.attn(self.ln_1(x), mask)
        return x + self.mlp(self.ln_2(x))


class Gpt2Model(torch.nn.Module):
    """GPT-2's transformer (Hugging Face's GPT2Model, no past key/values): embeddings, blocks, final LayerNorm."""

    def __init__(self, d, layers, heads):
        super().__init__()
        self.wte = torch.nn.Embedding(GPT2_VOCAB, d)
        self.wpe = torch.nn.Embedding(GPT2_POSITIONS, d)
        self.drop = torch.nn.Dropout(0.1)
        self.h = torch.nn.ModuleList([Gpt2Block(d, heads) for _ in range(layers)])
        self.ln_f = torch.nn.LayerNorm(d, eps=1e-5)

    def forward(self, ids):
        t = ids.size(1)
        pos = torch.arange(t, dtype=torch.long, device=ids.device).unsqueeze(0)
        x = self.drop(self.wte(ids) + self.wpe(pos))
        # additive causal mask: -inf above the diagonal (a key after the query), 0 elsewhere
        mask = torch.triu(torch.full((t, t), float('-inf'), device=ids.device), diagonal=1)
        for block in self.h:
            x = block(x, mask)
        return self.ln_f(x)


class Gpt2LMHead(torch.nn.Module):
    """GPT2LMHeadModel with an untied head: logits = Linear(d, vocab, bias=False)(transformer(ids))."""

    def __init__(self, d, layers, heads):
        super().__init__()
        self.transformer = Gpt2Model(d, layers, heads)
        self.lm_head = torch.nn.Linear(d, GPT2_VOCAB, bias=False)

    def forward(self, ids):
        return self.lm_head(self.transformer(ids))


def mac_count(model, x):
    """MACs of Conv2d and Linear modules from forward hooks (independent of the ONNX graph)."""
    total = [0]

    def conv(m, inp, out):
        kh, kw = m.kernel_size
        total[0] += out.numel() * (m.in_channels // m.groups) * kh * kw

    def lin(m, inp, out):
        total[0] += (out.numel() // m.out_features) * m.in_features * m.out_features

    hooks = []
    for m in model.modules():
        if isinstance(m, torch.nn.Conv2d):
            hooks.append(m.register_forward_hook(conv))
        elif isinstance(m, torch.nn.Linear):
            hooks.append(m.register_forward_hook(lin))
    with torch.no_grad():
        model(x)
    for h in hooks:
        h.remove()
    return total[0]


def _zero_via_mul(self):
    # torch 1.13 cannot export aten::zero_ (Swin V2 zeroes the key bias slice in place); x.mul_(0) is
    # the same values and exports.
    return self.mul_(0)


def export(name, family):
    torch.manual_seed(0)
    if family == 'gpt2':
        model = Gpt2LMHead(*GPT2[name])
    elif family in HEAD_CLASSES:
        body = name[:-len('_' + family)]
        kwargs = {'aux_logits': False, 'init_weights': False} if body in ('googlenet', 'inception_v3') else {}
        model = getattr(tvm, body)(weights=None, num_classes=HEAD_CLASSES[family], **kwargs)
    else:
        kwargs = {'aux_logits': False, 'init_weights': False} if name in ('googlenet', 'inception_v3') else {}
        model = getattr(tvm, name)(weights=None, **kwargs)
    model.eval()
    # Constant-initialised parameters (layer scales, norms' ones and zeros) would be identical tensors,
    # which the exporter merges into one initializer; trained weights never are. Perturb them all.
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 1e-3)
    if family == 'gpt2':
        shape = [1, GPT2_SEQ]
        x = torch.randint(0, GPT2_VOCAB, shape, dtype=torch.long)
        input_name = 'input_ids'
    else:
        size = {'inception_v3': 299, 'inception_v3_in21k': 299, 'efficientnet_b4_in21k': 380, 'efficientnet_b5': 456, 'efficientnet_v2_m': 480, 'efficientnet_v2_l': 480, 'efficientnet_b6': 528, 'efficientnet_b7_in21k': 600, 'inception_v3_oi20k': 299}.get(name, 224)
        shape = [1, 3, size, size]
        x = torch.randn(*shape)
        input_name = 'input'
    params = sum(p.numel() for p in model.parameters())
    macs = mac_count(model, x)
    # attention (activation x activation products) is outside Conv2d/Linear modules (a 21k head on
    # a transformer body too)
    body = name[:-len('_' + family)] if family in HEAD_CLASSES else name
    complete = family not in ('vit', 'swin', 'maxvit', 'gpt2') and not body.startswith(('vit', 'swin', 'maxvit'))
    training = torch.onnx.TrainingMode.PRESERVE
    if family == 'vit':
        model.train()
        training = torch.onnx.TrainingMode.TRAINING
    zero = torch.Tensor.zero_
    if name.startswith('swin_v2'):
        torch.Tensor.zero_ = _zero_via_mul
    try:
        return _export(name, family, model, x, input_name, shape, params, macs, complete, training)
    finally:
        torch.Tensor.zero_ = zero


def _export(name, family, model, x, input_name, shape, params, macs, complete, training):
    with tempfile.TemporaryDirectory() as tmp:
        full = os.path.join(tmp, name + '.onnx')
        torch.onnx.export(model, x, full, opset_version=14, input_names=[input_name], output_names=['logits'],
                          training=training, do_constant_folding=False)
        m = onnx.load(full)
        onnx.save_model(m, os.path.join(tmp, 'g.onnx'), save_as_external_data=True, all_tensors_to_one_file=True,
                        location=name + '.weights', size_threshold=1024)
        with open(os.path.join(tmp, 'g.onnx'), 'rb') as f:
            graph = f.read()
    with gzip.open(os.path.join(OUT, name + '.onnx.gz'), 'wb', compresslevel=9) as f:
        f.write(graph)
    return {'family': family, 'file': name + '.onnx.gz', 'input': shape, 'params': params,
            'macs': macs, 'macsComplete': complete, 'graphBytes': len(graph)}


def main():
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, 'manifest.json')
    manifest = {'generator': 'scripts/make-onnx-corpus.py', 'torch': torch.__version__, 'opset': 14, 'models': {}}
    if os.path.exists(path):
        with open(path) as f:
            manifest['models'] = json.load(f).get('models', {})
    wanted = set(sys.argv[1:])
    unknown = wanted - {n for names in FAMILIES.values() for n in names}
    if unknown:
        sys.exit(f'unknown model(s): {", ".join(sorted(unknown))} (see FAMILIES)')
    for family, names in FAMILIES.items():
        for name in names:
            if wanted and name not in wanted:
                continue
            t = time.time()
            try:
                manifest['models'][name] = export(name, family)
                print(f'{name}: {manifest["models"][name]["params"]} params, {time.time() - t:.1f} s', flush=True)
            except Exception as e:  # keep going: one failed export should not lose the others
                print(f'{name}: FAILED {type(e).__name__}: {e}', flush=True)
            manifest['models'] = dict(sorted(manifest['models'].items()))
            with open(path, 'w') as f:
                json.dump(manifest, f, indent=1)
                f.write('\n')


if __name__ == '__main__':
    main()
