/**
 * A small helper the zoo builders share: it appends layers to a list in execution order, checks
 * that every name is unique and that every input names a tensor already defined, and returns the
 * name of the tensor each layer produces so builders read like the PyTorch `forward` they mirror.
 *
 * Pure (no I/O). Building any zoo network costs O(layers), well under a millisecond.
 */
import type { Layer, Network, Pair, TensorSpec } from '../types.js';

/** Options of a convolution as torchvision spells them (defaults: stride 1, padding 0, groups 1, bias). */
export interface ConvOptions {
  stride?: Pair;
  padding?: Pair;
  groups?: number;
  bias?: boolean;
}

/**
 * Appends layers to a network under construction. Each method adds one layer and returns its
 * output tensor name. Throws a plain Error on a duplicate name or an undefined input: those are
 * bugs in a builder, never user input.
 */
export class NetBuilder {
  /** Layers added so far, in execution order. */
  readonly layers: Layer[] = [];
  private readonly defined = new Set<string>();

  /** @param inputs the network inputs (their names become available as layer inputs). */
  constructor(readonly inputs: TensorSpec[]) {
    for (const t of inputs) this.defined.add(t.name);
  }

  /** Adds any layer (checked for a fresh name and defined inputs); returns its name. */
  push(layer: Layer): string {
    if (this.defined.has(layer.name)) throw new Error(`zoo builder: duplicate tensor name "${layer.name}"`);
    for (const input of layer.inputs) {
      if (!this.defined.has(input)) throw new Error(`zoo builder: layer "${layer.name}" reads undefined "${input}"`);
    }
    this.defined.add(layer.name);
    this.layers.push(layer);
    return layer.name;
  }

  /** 2-D convolution with square or [h, w] kernel; torchvision defaults. */
  conv(name: string, input: string, outChannels: number, kernel: Pair, opts: ConvOptions = {}): string {
    return this.push({
      name,
      type: 'conv2d',
      inputs: [input],
      outChannels,
      kernel,
      stride: opts.stride ?? 1,
      padding: opts.padding ?? 0,
      groups: opts.groups ?? 1,
      bias: opts.bias ?? true,
    });
  }

  /** Batch normalisation with learned gamma/beta (PyTorch BatchNorm2d, affine). */
  bn(name: string, input: string, epsilon = 1e-5): string {
    return this.push({ name, type: 'batchnorm', inputs: [input], epsilon, affine: true });
  }

  /** ReLU (or another element-wise activation). */
  act(name: string, input: string, fn: 'relu' | 'relu6' | 'gelu' | 'hardswish' | 'hardsigmoid' = 'relu'): string {
    return this.push({ name, type: 'activation', inputs: [input], fn });
  }

  /** Max pooling, PyTorch defaults: stride = kernel, padding 0, floor mode unless `ceilMode`. */
  maxPool(name: string, input: string, kernel: number, stride: number, padding = 0, ceilMode = false): string {
    return this.push({ name, type: 'pool', inputs: [input], mode: 'max', kernel, stride, padding, ceilMode });
  }

  /** Average pooling with an explicit window (AdaptiveAvgPool2d where it reduces to one). */
  avgPool(name: string, input: string, kernel: number, stride: number): string {
    return this.push({ name, type: 'pool', inputs: [input], mode: 'avg', kernel, stride, padding: 0, ceilMode: false });
  }

  /** Global average pooling to 1x1 (AdaptiveAvgPool2d((1, 1))). */
  globalAvgPool(name: string, input: string): string {
    return this.push({ name, type: 'pool', inputs: [input], mode: 'avg', global: true });
  }

  /** torch.flatten(x, 1). */
  flatten(name: string, input: string): string {
    return this.push({ name, type: 'flatten', inputs: [input], axis: 1 });
  }

  /** nn.Linear over the last axis. */
  dense(name: string, input: string, units: number, bias = true): string {
    return this.push({ name, type: 'dense', inputs: [input], units, bias });
  }

  /** nn.Dropout (identity at inference, but a layer that runs). */
  dropout(name: string, input: string, rate: number): string {
    return this.push({ name, type: 'dropout', inputs: [input], rate });
  }

  /** Element-wise sum (residual connections). */
  addTensors(name: string, inputs: string[]): string {
    return this.push({ name, type: 'add', inputs });
  }

  /** Channel concatenation (axis 1) unless another axis is given. */
  concat(name: string, inputs: string[], axis = 1): string {
    return this.push({ name, type: 'concat', inputs, axis });
  }

  /** The finished network description. */
  build(name: string, source: string): Network {
    return { format: 'memlat-network@1', name, source, inputs: this.inputs, layers: this.layers };
  }
}

/** The usual image-classifier input: one tensor "input" of shape [batch, 3, size, size]. */
export function imageInput(batch: number, size = 224): TensorSpec[] {
  return [{ name: 'input', shape: [batch, 3, size, size], dtype: 'fp32' }];
}
