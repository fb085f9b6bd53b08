//! Embedding lookup (`torch.nn.functional.embedding`), forward beside backward: rows
//! of a weight table picked by integer indices. The backward adds each output row's
//! gradient into its table row (an index that repeats accumulates), skipping the
//! padding row, whose embedding stays fixed as in PyTorch.

use crate::autograd::{record, Backward};
use crate::tensor::shape::{checked_numel, fmt_shape};
use crate::tensor::{alloc, float_dispatch, DType, Tensor};
use crate::{bail, Result};

/// The indices as table rows, checked against `num` rows.
fn rows(indices: &Tensor, num: usize) -> Result<Vec<usize>> {
    let values = match indices.dtype() {
        DType::I64 | DType::I32 => indices.to_dtype(DType::I64)?.to_vec_i64()?,
        other => bail!(
            Dtype,
            "embedding: indices must be int64 or int32, got {other} (create them with dtype: 'int64')"
        ),
    };
    values
        .into_iter()
        .map(|i| {
            if i < 0 || i as u64 >= num as u64 {
                bail!(
                    Index,
                    "embedding: index {i} is out of range for {num} embeddings (valid: 0 to {})",
                    num as i64 - 1
                );
            }
            Ok(i as usize)
        })
        .collect()
}

struct EmbeddingBackward {
    rows: Vec<usize>,
    padding_idx: Option<usize>,
}

impl Backward for EmbeddingBackward {
    fn backward(&self, g: &Tensor, inputs: &[Tensor]) -> Result<Vec<Option<Tensor>>> {
        let weight = &inputs[0];
        let (num, dim) = (weight.shape()[0], weight.shape()[1]);
        let grad = float_dispatch!(g.dtype(), "embedding backward", T => {
            let mut out = alloc::filled("embedding backward", num * dim, T::ZERO)?;
            g.with_contiguous("embedding backward", |gd: &[T]| {
                for (k, &row) in self.rows.iter().enumerate() {
                    if Some(row) == self.padding_idx {
                        continue;
                    }
                    let dst = &mut out[row * dim..(row + 1) * dim];
                    for (o, &v) in dst.iter_mut().zip(&gd[k * dim..(k + 1) * dim]) {
                        *o += v;
                    }
                }
            })?;
            T::storage(out)
        });
        Ok(vec![Some(Tensor::from_storage(grad, weight.shape())), None])
    }
}

/// The rows of `weight` (`[num, dim]`) at `indices` (int64 or int32, any shape):
/// an output of shape `[...indices.shape, dim]`. `padding_idx` names a row that
/// gets no gradient.
pub fn embedding(weight: &Tensor, indices: &Tensor, padding_idx: Option<usize>) -> Result<Tensor> {
    let &[num, dim] = weight.shape() else {
        bail!(
            Shape,
            "embedding: the weight must be [num_embeddings, embedding_dim], got shape {}",
            fmt_shape(weight.shape())
        );
    };
    if let Some(p) = padding_idx {
        if p >= num {
            bail!(
                Arg,
                "embedding: padding_idx {p} is out of range for {num} embeddings"
            );
        }
    }
    let rows = rows(indices, num)?;
    let mut shape = indices.shape().to_vec();
    shape.push(dim);
    let n = checked_numel("embedding", &shape)?;
    let out = float_dispatch!(weight.dtype(), "embedding", T => {
        let out = weight.with_contiguous("embedding", |w: &[T]| {
            alloc::collect("embedding", n, rows.iter().flat_map(|&r| w[r * dim..(r + 1) * dim].iter().copied()))
        })??;
        T::storage(out)
    });
    let out = Tensor::from_storage(out, &shape);
    Ok(record(out, "EmbeddingBackward", &[weight, indices], || {
        EmbeddingBackward { rows, padding_idx }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_indices_accumulate_and_padding_gets_nothing() {
        let w = Tensor::from_vec(vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0], &[3, 2]).unwrap();
        w.set_requires_grad(true).unwrap();
        let idx = Tensor::from_vec_i64(vec![2, 0, 2, 1], &[2, 2]).unwrap();
        let y = embedding(&w, &idx, Some(1)).unwrap();
        assert_eq!(y.shape(), &[2, 2, 2]);
        assert_eq!(
            y.to_vec_f32().unwrap(),
            vec![4.0, 5.0, 0.0, 1.0, 4.0, 5.0, 2.0, 3.0]
        );
        y.sum(None, false).unwrap().backward().unwrap();
        assert_eq!(
            w.grad().unwrap().to_vec_f32().unwrap(),
            vec![1.0, 1.0, 0.0, 0.0, 2.0, 2.0]
        );
        let bad = Tensor::from_vec_i64(vec![3], &[1]).unwrap();
        assert_eq!(
            embedding(&w, &bad, None).unwrap_err().code,
            crate::ErrorCode::Index
        );
    }
}
