//! An op's input list when some inputs are optional (a bias, class weights):
//! the required tensors, then the present optional ones, as a trace records them.
//! The op's closure finds an optional input again with [`Optional::get`].

use ferrograd::Tensor as CoreTensor;

/// Which optional inputs are present, and where they start in the input list.
#[derive(Clone, Copy)]
pub(crate) struct Optional<const N: usize> {
    base: usize,
    present: [bool; N],
}

impl<const N: usize> Optional<N> {
    /// The inputs `required ++ present(optional)`, and where to find each optional one.
    pub(crate) fn list<'a>(
        required: &[&'a CoreTensor],
        optional: [Option<&'a CoreTensor>; N],
    ) -> (Vec<&'a CoreTensor>, Optional<N>) {
        let mut inputs = required.to_vec();
        inputs.extend(optional.iter().flatten());
        let layout = Optional {
            base: required.len(),
            present: optional.map(|o| o.is_some()),
        };
        (inputs, layout)
    }

    /// Optional input `k` of the input list `t`, if it was given.
    pub(crate) fn get<'a>(&self, t: &[&'a CoreTensor], k: usize) -> Option<&'a CoreTensor> {
        self.present[k].then(|| t[self.base + self.present[..k].iter().filter(|&&p| p).count()])
    }
}
