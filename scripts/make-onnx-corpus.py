#!/usr/bin/python3
"""Regenerates test/fixtures/onnx-corpus/: PyTorch's own ONNX exports of torchvision models.

Each model is built with random weights, exported with torch.onnx.export (opset 14, batch 1,
3x224x224; inception_v3 3x299x299), then every tensor larger than 1 KiB is moved to external data
that is NOT kept, so the fixture is the graph only (dims and dtypes of every initializer, small
constants inline) - what memlat's importer reads. Fixtures are gzipped (<model>.onnx.gz).

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

Usage (Debian: apt-get install python3-torchvision python3-onnx):
    python3 scripts/make-onnx-corpus.py [model ...]
Nothing in CI runs this; it takes a few minutes of CPU.
"""
import gzip
import json
import os
import sys
import tempfile
import time

import onnx
import torch
import torchvision.models as tvm

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'onnx-corpus')

# family -> models (small members first; the big ones of a family add little but CPU time)
FAMILIES = {
    'convnext': ['convnext_tiny', 'convnext_small'],
    'shufflenet_v2': ['shufflenet_v2_x0_5', 'shufflenet_v2_x1_0', 'shufflenet_v2_x1_5', 'shufflenet_v2_x2_0'],
    'swin': ['swin_t', 'swin_s', 'swin_v2_t', 'swin_v2_s'],
    'vit': ['vit_b_16', 'vit_b_32'],
    'maxvit': ['maxvit_t'],
    'resnet': ['resnet18', 'resnet34', 'resnet50', 'resnet101', 'resnet152'],
    'resnext': ['resnext50_32x4d'],
    'wide_resnet': ['wide_resnet50_2', 'wide_resnet101_2'],
    'squeezenet': ['squeezenet1_0', 'squeezenet1_1'],
    'googlenet': ['googlenet'],
    'inception': ['inception_v3'],
    'densenet': ['densenet121', 'densenet169', 'densenet201'],
    'mobilenet_v2': ['mobilenet_v2'],
    'mobilenet_v3': ['mobilenet_v3_small', 'mobilenet_v3_large'],
    'mnasnet': ['mnasnet0_5', 'mnasnet0_75', 'mnasnet1_0'],
    'efficientnet': ['efficientnet_b0', 'efficientnet_b1', 'efficientnet_b2', 'efficientnet_b3', 'efficientnet_v2_s'],
    'regnet': ['regnet_x_400mf', 'regnet_y_400mf', 'regnet_x_800mf', 'regnet_y_800mf', 'regnet_x_1_6gf', 'regnet_y_1_6gf'],
    'alexnet': ['alexnet'],
    'vgg': ['vgg11', 'vgg11_bn', 'vgg13', 'vgg13_bn', 'vgg16', 'vgg16_bn', 'vgg19_bn'],
}


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
    kwargs = {'aux_logits': False, 'init_weights': False} if name in ('googlenet', 'inception_v3') else {}
    model = getattr(tvm, name)(weights=None, **kwargs)
    model.eval()
    # Constant-initialised parameters (layer scales, norms' ones and zeros) would be identical tensors,
    # which the exporter merges into one initializer; trained weights never are. Perturb them all.
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 1e-3)
    size = 299 if name == 'inception_v3' else 224
    x = torch.randn(1, 3, size, size)
    params = sum(p.numel() for p in model.parameters())
    macs = mac_count(model, x)
    # attention (activation x activation products) is outside Conv2d/Linear modules
    complete = family not in ('vit', 'swin', 'maxvit')
    training = torch.onnx.TrainingMode.PRESERVE
    if family == 'vit':
        model.train()
        training = torch.onnx.TrainingMode.TRAINING
    zero = torch.Tensor.zero_
    if name.startswith('swin_v2'):
        torch.Tensor.zero_ = _zero_via_mul
    try:
        return _export(name, family, model, x, size, params, macs, complete, training)
    finally:
        torch.Tensor.zero_ = zero


def _export(name, family, model, x, size, params, macs, complete, training):
    with tempfile.TemporaryDirectory() as tmp:
        full = os.path.join(tmp, name + '.onnx')
        torch.onnx.export(model, x, full, opset_version=14, input_names=['input'], output_names=['logits'],
                          training=training, do_constant_folding=False)
        m = onnx.load(full)
        onnx.save_model(m, os.path.join(tmp, 'g.onnx'), save_as_external_data=True, all_tensors_to_one_file=True,
                        location=name + '.weights', size_threshold=1024)
        with open(os.path.join(tmp, 'g.onnx'), 'rb') as f:
            graph = f.read()
    with gzip.open(os.path.join(OUT, name + '.onnx.gz'), 'wb', compresslevel=9) as f:
        f.write(graph)
    return {'family': family, 'file': name + '.onnx.gz', 'input': [1, 3, size, size], 'params': params,
            'macs': macs, 'macsComplete': complete, 'graphBytes': len(graph)}


def main():
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, 'manifest.json')
    manifest = {'generator': 'scripts/make-onnx-corpus.py', 'torch': torch.__version__, 'opset': 14, 'models': {}}
    if os.path.exists(path):
        with open(path) as f:
            manifest['models'] = json.load(f).get('models', {})
    wanted = set(sys.argv[1:])
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
