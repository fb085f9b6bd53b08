//! A node of the define-by-run graph: the inputs of one op and the state its
//! backward needs. Each op defines its backward next to its forward (in `ops/`)
//! by implementing [`Backward`]; this file only stores and frees them.

use crate::tensor::Tensor;
use crate::Result;
use std::sync::{Arc, Mutex};

/// The backward rule of one op: gradients of its inputs from the gradient of its
/// output. `inputs` are the op's inputs in the order they were recorded.
pub trait Backward: Send + Sync {
    /// One entry per input; `None` where an input gets no gradient.
    fn backward(&self, grad: &Tensor, inputs: &[Tensor]) -> Result<Vec<Option<Tensor>>>;
}

/// The inputs of a node and the gradients its backward computed for them.
pub(crate) type Applied = (Vec<Tensor>, Vec<Option<Tensor>>);

struct NodeState {
    inputs: Vec<Tensor>,
    /// Each input's storage version when the op ran.
    versions: Vec<u64>,
    op: Box<dyn Backward>,
}

impl NodeState {
    /// Refuses to differentiate with inputs changed in place since the forward pass
    /// (an optimizer step between forward and backward): the rule would silently
    /// use the new values.
    fn check_versions(&self, name: &str) -> Result<()> {
        for (i, (t, &v)) in self.inputs.iter().zip(&self.versions).enumerate() {
            if t.version() != v {
                crate::bail!(
                    Grad,
                    "backward: input {i} of {name} (shape {:?}) was modified in place after the forward pass (by an optimizer step or loadStateDict); run the forward pass again",
                    t.shape()
                );
            }
        }
        Ok(())
    }
}

/// How a tensor was computed. Its state is dropped after `backward()` (unless the
/// graph is retained), which frees the saved tensors of the step.
pub struct Node {
    name: &'static str,
    state: Mutex<Option<NodeState>>,
}

impl Node {
    /// Name of the op, as PyTorch's `grad_fn` names it (`MmBackward`, ...).
    pub fn name(&self) -> &'static str {
        self.name
    }

    fn state(&self) -> std::sync::MutexGuard<'_, Option<NodeState>> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The recorded inputs, or `None` once the graph has been freed; `ERR_GRAD` when
    /// one was modified in place since the forward pass.
    pub(crate) fn inputs(&self) -> Result<Option<Vec<Tensor>>> {
        match self.state().as_ref() {
            Some(s) => {
                s.check_versions(self.name)?;
                Ok(Some(s.inputs.clone()))
            }
            None => Ok(None),
        }
    }

    /// The inputs of a node nobody else holds, freeing its state (used to drop long
    /// graphs without recursion); empty when the node is still shared.
    pub(crate) fn into_inputs(node: Arc<Node>) -> Vec<Tensor> {
        match Arc::try_unwrap(node) {
            Ok(n) => n
                .state
                .into_inner()
                .unwrap_or_else(|e| e.into_inner())
                .map(|s| s.inputs)
                .unwrap_or_default(),
            Err(_) => Vec::new(),
        }
    }

    /// Runs the backward rule; frees the node's state unless `retain` is set.
    pub(crate) fn apply(&self, grad: &Tensor, retain: bool) -> Result<Option<Applied>> {
        let state = if retain {
            let guard = self.state();
            match guard.as_ref() {
                Some(s) => {
                    s.check_versions(self.name)?;
                    let grads = s.op.backward(grad, &s.inputs)?;
                    return Ok(Some((s.inputs.clone(), grads)));
                }
                None => return Ok(None),
            }
        } else {
            self.state().take()
        };
        match state {
            Some(s) => {
                s.check_versions(self.name)?;
                let grads = s.op.backward(grad, &s.inputs)?;
                Ok(Some((s.inputs, grads)))
            }
            None => Ok(None),
        }
    }
}

/// Attaches a graph node to `out` when grad mode is on and any input requires grad.
/// `make` builds the backward state only then, so inference saves nothing.
pub(crate) fn record<B: Backward + 'static>(
    out: Tensor,
    name: &'static str,
    inputs: &[&Tensor],
    make: impl FnOnce() -> B,
) -> Tensor {
    if !super::is_grad_enabled() || !inputs.iter().any(|t| t.requires_grad()) {
        return out;
    }
    let node = Node {
        name,
        state: Mutex::new(Some(NodeState {
            inputs: inputs.iter().map(|t| (*t).clone()).collect(),
            versions: inputs.iter().map(|t| t.version()).collect(),
            op: Box::new(make()),
        })),
    };
    out.with_grad_fn(Arc::new(node))
}
