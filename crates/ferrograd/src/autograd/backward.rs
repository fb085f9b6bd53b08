//! Reverse-mode differentiation over the recorded graph.

use super::GradModeGuard;
use crate::tensor::shape::fmt_shape;
use crate::tensor::Tensor;
use crate::{bail, Result};
use std::collections::{HashMap, HashSet};

const FREED: &str = "backward: trying to backward through the graph a second time (its saved tensors were freed after the first backward). Pass { retainGraph: true } to the first backward() if you need to call it twice, or recompute the forward pass";

/// Tensors of the graph under `root` that require grad, inputs before outputs.
/// Fails with `ERR_GRAD` before any work when part of the graph was freed or an
/// input was modified in place since the forward pass.
fn topological_order(root: &Tensor) -> Result<Vec<Tensor>> {
    let mut order = Vec::new();
    let mut seen = HashSet::new();
    // Iterative post-order DFS: deep graphs (long unrolled loops) must not overflow
    // the stack.
    let mut stack: Vec<(Tensor, Option<std::vec::IntoIter<Tensor>>)> = vec![(root.clone(), None)];
    seen.insert(root.id());
    while let Some((t, children)) = stack.last_mut() {
        let children = match children {
            Some(c) => c,
            None => {
                let inputs = match t.grad_fn() {
                    Some(node) => match node.inputs()? {
                        Some(inputs) => inputs,
                        None => bail!(Grad, "{FREED}"),
                    },
                    None => Vec::new(),
                };
                children.insert(inputs.into_iter())
            }
        };
        match children.find(|c| c.requires_grad() && !seen.contains(&c.id())) {
            Some(child) => {
                seen.insert(child.id());
                stack.push((child, None));
            }
            None => {
                let (t, _) = stack.pop().expect("stack is not empty");
                order.push(t);
            }
        }
    }
    Ok(order)
}

/// Computes the gradient of `root` with respect to every leaf that requires grad
/// and adds it to the leaf's `.grad`. `grad` defaults to 1 for one-element roots.
pub fn backward(root: &Tensor, grad: Option<Tensor>, retain_graph: bool) -> Result<()> {
    if !root.requires_grad() {
        bail!(
            Grad,
            "backward: the tensor does not require grad and has no grad_fn; create the inputs with requiresGrad: true (and outside noGrad) to record a graph"
        );
    }
    let grad = match grad {
        Some(g) => {
            if g.shape() != root.shape() {
                bail!(
                    Shape,
                    "backward: gradient of shape {} does not match the tensor's shape {}",
                    fmt_shape(g.shape()),
                    fmt_shape(root.shape())
                );
            }
            g.detach().to_dtype(root.dtype())?
        }
        None if root.numel() == 1 => Tensor::full_dtype(root.shape(), 1.0, root.dtype())?,
        None => bail!(
            Grad,
            "backward: a gradient can be implied only for a one-element tensor, this one has shape {}; pass backward(grad) with a gradient of that shape",
            fmt_shape(root.shape())
        ),
    };
    let order = topological_order(root)?;
    let _no_grad = GradModeGuard::new(false);
    let mut grads: HashMap<u64, Tensor> = HashMap::new();
    grads.insert(root.id(), grad);
    for t in order.iter().rev() {
        let Some(g) = grads.remove(&t.id()) else {
            continue;
        };
        let Some(node) = t.grad_fn() else {
            // A leaf: nothing flows further, so its gradient is handed over rather
            // than cloned, and `accumulate_grad` can keep the buffer instead of
            // copying it (a copy per parameter per step, as large as the weights).
            if t.retains_grad() {
                t.accumulate_grad(g)?;
            }
            continue;
        };
        if t.retains_grad() {
            t.accumulate_grad(g.clone())?;
        }
        let Some((inputs, input_grads)) = node.apply(&g, retain_graph)? else {
            bail!(Grad, "{FREED}");
        };
        for (input, ig) in inputs.iter().zip(input_grads) {
            let Some(ig) = ig else { continue };
            if !input.requires_grad() {
                continue;
            }
            debug_assert_eq!(ig.shape(), input.shape(), "{} backward", node.name());
            let summed = match grads.remove(&input.id()) {
                Some(prev) => prev.add(&ig)?,
                None => ig,
            };
            grads.insert(input.id(), summed);
        }
    }
    Ok(())
}
