/**
 * Pattern fusion before the per-node pass: exporters decompose LayerNorm (ReduceMean, Sub, Pow,
 * ReduceMean, Add eps, Sqrt, Div [, Mul gamma [, Add beta]]) and erf-based GELU (Div or Mul by
 * 1/sqrt2, Erf, Add 1, Mul, Mul 0.5); each chain whose inner tensors have a single reader becomes one
 * layernorm / gelu layer. Marks the chain's nodes in ctx.skip and the fused layer in ctx.fused. Pure.
 */
import { attr, attrFloat, attrInts, tensorValues, type OnnxNode } from '../../../onnx/model.js';
import type { ImportContext } from './context.js';

/** Finds the fusable patterns of the graph (before any node is visited). */
export function findPatterns(ctx: ImportContext): void {
  const nodes = ctx.g.node;
  const producer = new Map<string, number>();
  const consumers = new Map<string, number[]>();
  nodes.forEach((n, i) => {
    for (const o of n.output) producer.set(o, i);
    for (const x of n.input) if (x) consumers.set(x, [...(consumers.get(x) ?? []), i]);
  });
  const only = (t: string): number | undefined => {
    const c = consumers.get(t);
    const outs = ctx.g.output.some((o) => o.name === t);
    return c && c.length === 1 && !outs ? c[0] : undefined;
  };
  const isOp = (i: number | undefined, op: string): i is number => i !== undefined && !ctx.skip.has(i) && nodes[i]!.op_type === op;
  const constScalar = (name: string | undefined): number | undefined => {
    if (name === undefined) return undefined;
    const init = ctx.values.get(name);
    if (init?.kind === 'const' && init.values?.length === 1) return init.values[0];
    const p = producer.get(name);
    if (p !== undefined && nodes[p]!.op_type === 'Constant') {
      const t = attr(nodes[p]!, 'value')?.t;
      const v = t ? tensorValues(t) : undefined;
      if (v?.length === 1) return v[0];
      return attrFloat(nodes[p]!, 'value_float');
    }
    return undefined;
  };
  const other = (n: OnnxNode, t: string): string | undefined => (n.input[0] === t ? n.input[1] : n.input[1] === t ? n.input[0] : undefined);

  nodes.forEach((n, i) => {
    // LayerNorm: m = ReduceMean(x); d = Sub(x, m); v = ReduceMean(Pow(d, 2)); y = Div(d, Sqrt(Add(v, eps))) [* g] [+ b]
    if (n.op_type === 'ReduceMean' && !ctx.skip.has(i)) {
      const x = n.input[0]!;
      const m = n.output[0]!;
      const sub = only(m);
      if (!isOp(sub, 'Sub') || nodes[sub]!.input[0] !== x) return;
      const d = nodes[sub]!.output[0]!;
      const dc = consumers.get(d) ?? [];
      const pow = dc.find((c) => nodes[c]!.op_type === 'Pow');
      const div = dc.find((c) => nodes[c]!.op_type === 'Div');
      if (dc.length !== 2 || pow === undefined || div === undefined || constScalar(nodes[pow]!.input[1]) !== 2) return;
      const rm2 = only(nodes[pow]!.output[0]!);
      if (!isOp(rm2, 'ReduceMean')) return;
      const add = only(nodes[rm2]!.output[0]!);
      if (!isOp(add, 'Add')) return;
      const eps = constScalar(other(nodes[add]!, nodes[rm2]!.output[0]!));
      const sq = only(nodes[add]!.output[0]!);
      if (eps === undefined || !isOp(sq, 'Sqrt') || only(nodes[sq]!.output[0]!) !== div || nodes[div]!.input[0] !== d) return;
      const chain = [i, sub, pow, rm2, add, sq, div];
      let last = div;
      const mul = only(nodes[div]!.output[0]!);
      if (isOp(mul, 'Mul')) {
        chain.push(mul);
        last = mul;
        const badd = only(nodes[mul]!.output[0]!);
        if (isOp(badd, 'Add')) {
          chain.push(badd);
          last = badd;
        }
      }
      const axes = attrInts(n, 'axes');
      if (axes && !(axes.length === 1 && axes[0] === -1)) {
        ctx.warnings.push(`node "${n.name ?? ''}": decomposed layer norm over axes ${JSON.stringify(axes)} fused as a last-axis layernorm`);
      }
      for (const c of chain) if (c !== last) ctx.skip.add(c);
      ctx.fused.set(last, {
        x,
        out: nodes[last]!.output[0]!,
        make: (t) => ({ type: 'layernorm', name: ctx.unique(nodes[last]!.name || `layernorm_${last}`), inputs: [t], epsilon: eps }),
      });
      return;
    }
    // GELU: y = x * 0.5 * (1 + erf(x / sqrt(2)))  (Div or Mul by 1/sqrt2; the 0.5 Mul before or after)
    if (n.op_type === 'Erf' && !ctx.skip.has(i)) {
      const pre = producer.get(n.input[0]!);
      if (pre === undefined || (!isOp(pre, 'Div') && !isOp(pre, 'Mul'))) return;
      const x = nodes[pre]!.input[0]!;
      const k = constScalar(nodes[pre]!.input[1]);
      const scale = nodes[pre]!.op_type === 'Div' ? k : k === undefined ? undefined : 1 / k;
      if (scale === undefined || Math.abs(scale - Math.SQRT2) > 1e-3) return;
      const add = only(n.output[0]!);
      if (!isOp(add, 'Add') || constScalar(other(nodes[add]!, n.output[0]!)) !== 1) return;
      const m1 = only(nodes[add]!.output[0]!);
      if (!isOp(m1, 'Mul')) return;
      const o1 = other(nodes[m1]!, nodes[add]!.output[0]!);
      const chain = [pre, i, add, m1];
      let last = m1;
      if (o1 === x) {
        const m2 = only(nodes[m1]!.output[0]!);
        if (!isOp(m2, 'Mul') || constScalar(other(nodes[m2]!, nodes[m1]!.output[0]!)) !== 0.5) return;
        chain.push(m2);
        last = m2;
      } else {
        const h = o1 === undefined ? undefined : producer.get(o1);
        if (!isOp(h, 'Mul') || only(o1!) !== m1) return;
        const hx = other(nodes[h]!, x);
        if (hx === undefined || constScalar(hx) !== 0.5) return;
        chain.push(h);
      }
      if ((consumers.get(nodes[pre]!.output[0]!) ?? []).length !== 1) return;
      for (const c of chain) if (c !== last) ctx.skip.add(c);
      ctx.fused.set(last, {
        x,
        out: nodes[last]!.output[0]!,
        make: (t) => ({ type: 'activation', name: ctx.unique(ctx.nodeName(nodes[last]!, last)), inputs: [t], fn: 'gelu' }),
      });
    }
  });
}
