/**
 * BERT-base (Devlin et al. 2018) as a transformer encoder, layer for layer as Hugging Face's
 * `BertModel` (bert-base-uncased: hidden 768, 12 layers, 12 heads of 64, FFN 3072, vocab 30522,
 * 512 positions, 2 token types) runs it at inference:
 *
 *   embeddings: word + position + token-type lookups, sum, LayerNorm (eps 1e-12), dropout;
 *   12 x { dense Q, K, V (768->768); each reshaped to [N, S, 12, 64] and transposed to [N, 12, S, 64];
 *          scores = Q K^T (matmul, transposeB) [N, 12, S, S]; softmax; dropout; context = P V;
 *          transpose/reshape back to [N, S, 768]; dense 768; dropout; add residual; LayerNorm;
 *          dense 3072; GELU; dense 768; dropout; add residual; LayerNorm }
 *   optional pooler: hidden state of token 0 -> dense 768 -> tanh (token 0 picked by a strided pool).
 *
 * Simplifications, all MAC- and parameter-neutral: the 1/sqrt(64) score scaling is folded into the
 * query weights (memlat has no scalar-multiply layer); there is no attention mask (every token is
 * real); position ids are a network input (as ONNX exports of BERT make them). Dropout layers are kept
 * because, like torchvision's, the module runs them (identity at inference).
 *
 * Published: bert-base-uncased BertModel has 109,482,240 parameters (with pooler; 108,891,648
 * without); at sequence length S the encoder does 12 * (4*S*768^2 + 2*S*768*3072 + 2*S^2*768) MACs,
 * 11.17 G at S = 128.
 */
import type { Network, TensorSpec } from '../types.js';
import { NetBuilder } from './builder.js';

/** Dimensions of BERT-base (bert-base-uncased's config.json). */
export const BERT_BASE = {
  hidden: 768,
  layers: 12,
  heads: 12,
  intermediate: 3072,
  vocab: 30522,
  maxPositions: 512,
  typeVocab: 2,
  layerNormEpsilon: 1e-12,
} as const;

/** Options of the BERT-base builder. */
export interface BertOptions {
  /** Sequence length in tokens, 1..512. Default 128. */
  seqLen?: number;
  /** Batch size. Default 1. */
  batch?: number;
  /**
   * Append BertModel's pooler (token 0 -> dense 768 -> tanh). Default false: the network ends with
   * the encoder's [N, S, 768] hidden states. memlat has no slice layer, so selecting token 0 is
   * written as reshape [N, 1, S, 768] -> 1x1 max pool with row stride S -> flatten (no parameters,
   * no MACs, all runnable by the runtime; an opaque Gather could not be run).
   */
  pooler?: boolean;
}

/**
 * BERT-base encoder at the given sequence length and batch (see the file comment for the exact
 * layer list). Inputs: input_ids, token_type_ids, position_ids, each int64 [batch, seqLen].
 * Layer names follow Hugging Face's module paths. Cost: O(layers) (306 layers, 311 with the pooler).
 */
export function bertBase(opts: BertOptions = {}): Network {
  const { seqLen = 128, batch = 1, pooler = false } = opts;
  const { hidden, heads, intermediate, vocab, maxPositions, typeVocab, layerNormEpsilon: eps } = BERT_BASE;
  const headDim = hidden / heads;
  const ids = (name: string): TensorSpec => ({ name, shape: [batch, seqLen], dtype: 'int64' });
  const b = new NetBuilder([ids('input_ids'), ids('token_type_ids'), ids('position_ids')]);
  const ln = (name: string, input: string): string => b.push({ name, type: 'layernorm', inputs: [input], epsilon: eps });
  const toHeads = (p: string, x: string): string => {
    const r = b.push({ name: `${p}.view`, type: 'reshape', inputs: [x], shape: [0, 0, heads, headDim] });
    return b.push({ name: `${p}.permute`, type: 'transpose', inputs: [r], perm: [0, 2, 1, 3] });
  };

  const word = b.push({ name: 'embeddings.word_embeddings', type: 'embedding', inputs: ['input_ids'], vocab, dim: hidden });
  const pos = b.push({ name: 'embeddings.position_embeddings', type: 'embedding', inputs: ['position_ids'], vocab: maxPositions, dim: hidden });
  const typ = b.push({ name: 'embeddings.token_type_embeddings', type: 'embedding', inputs: ['token_type_ids'], vocab: typeVocab, dim: hidden });
  let x = b.addTensors('embeddings.add', [word, pos, typ]);
  x = ln('embeddings.LayerNorm', x);
  x = b.dropout('embeddings.dropout', x, 0.1);

  for (let i = 0; i < BERT_BASE.layers; i++) {
    const p = `encoder.layer.${i}`;
    const s = `${p}.attention.self`;
    const q = toHeads(`${s}.query`, b.dense(`${s}.query`, x, hidden));
    const k = toHeads(`${s}.key`, b.dense(`${s}.key`, x, hidden));
    const v = toHeads(`${s}.value`, b.dense(`${s}.value`, x, hidden));
    const scores = b.push({ name: `${s}.scores`, type: 'matmul', inputs: [q, k], transposeB: true });
    let probs = b.push({ name: `${s}.softmax`, type: 'softmax', inputs: [scores], axis: -1 });
    probs = b.dropout(`${s}.dropout`, probs, 0.1);
    let ctx = b.push({ name: `${s}.context`, type: 'matmul', inputs: [probs, v] });
    ctx = b.push({ name: `${s}.context.permute`, type: 'transpose', inputs: [ctx], perm: [0, 2, 1, 3] });
    ctx = b.push({ name: `${s}.context.view`, type: 'reshape', inputs: [ctx], shape: [0, 0, hidden] });
    const o = `${p}.attention.output`;
    let y = b.dropout(`${o}.dropout`, b.dense(`${o}.dense`, ctx, hidden), 0.1);
    y = b.addTensors(`${o}.add`, [y, x]);
    const attn = ln(`${o}.LayerNorm`, y);
    let h = b.dense(`${p}.intermediate.dense`, attn, intermediate);
    h = b.act(`${p}.intermediate.gelu`, h, 'gelu');
    h = b.dropout(`${p}.output.dropout`, b.dense(`${p}.output.dense`, h, hidden), 0.1);
    h = b.addTensors(`${p}.output.add`, [h, attn]);
    x = ln(`${p}.output.LayerNorm`, h);
  }

  if (pooler) {
    // hidden_states[:, 0] with runnable layer types: view [N, S, 768] as an image [N, 1, S, 768] and
    // max-pool it with a 1x1 window and a row stride of S, which keeps exactly row 0 (token 0).
    const img = b.push({ name: 'pooler.first_token.view', type: 'reshape', inputs: [x], shape: [0, 1, -1, hidden] });
    const row0 = b.push({ name: 'pooler.first_token', type: 'pool', inputs: [img], mode: 'max', kernel: 1, stride: [seqLen, 1], padding: 0 });
    const first = b.flatten('pooler.first_token.flatten', row0);
    const d = b.dense('pooler.dense', first, hidden);
    b.push({ name: 'pooler.activation', type: 'activation', inputs: [d], fn: 'tanh' });
  }
  const name = pooler ? 'bert-base-pooled' : 'bert-base';
  return b.build(name, `zoo:${name} (Hugging Face BertModel, bert-base-uncased dims, seqLen ${seqLen}${pooler ? ', with pooler' : ', no pooler'})`);
}
