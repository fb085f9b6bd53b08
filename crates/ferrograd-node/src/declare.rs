//! The one way the binding declares an op: [`ops!`].
//!
//! Each declaration names the Rust entry, the op's public JavaScript name, its
//! tensor inputs, its other arguments with their conversion, and the core call.
//! From that line the macro generates the `#[napi]` entry, the argument checks
//! (named after the op and the argument), the call through the trace recorder
//! (`NativeTensor::traced`, so `fit` replays it) and the public-name table that
//! error messages use ([`OpName`]). The core call sees only the core tensors
//! handed to it by the recorder, so an op declared here cannot go around it.

/// An entry of the public-name table: the Rust entry's name (`tensor_add`) and
/// the op's name as users call it (`add`).
pub type OpName = (&'static str, &'static str);

/// Declares tensor ops for JavaScript.
///
/// ```ignore
/// ops! {
///     #[doc = "Softmax along `dim`."]
///     fn tensor_softmax "softmax" [tensor] (dim: f64 as int) => tensor.softmax(dim);
/// }
/// ```
/// The doc is a plain `#[doc = "..."]`: napi-rs copies it into the generated
/// TypeScript only from a plain string (a `///` comment reaches it as a raw one).
/// `[tensor, other]` are the tensor inputs (core tensors inside the body);
/// `(name: Raw as conv)` converts the JavaScript value with `args::conv(op, name,
/// value)`, and `(name: Raw)` takes it as it is. Each module that declares ops
/// gets a `NAMES` table of its entries.
macro_rules! ops {
    ($(
        #[doc = $doc:tt]
        fn $fn:ident $js:literal [$($t:ident),*] $(($($arg:ident : $raw:ty $(as $conv:ident)?),* $(,)?))?
            => $body:expr;
    )*) => {
        $(
            #[doc = $doc]
            #[napi_derive::napi(catch_unwind)]
            pub fn $fn(
                env: napi::Env,
                $($t: &$crate::tensor::NativeTensor,)*
                $($($arg: $raw),*)?
            ) -> $crate::Result<$crate::tensor::NativeTensor> {
                const OP: &str = $js;
                $($($(let $arg = $crate::args::$conv(OP, stringify!($arg), $arg)?;)?)*)?
                let inputs = [$($t.get()?),*];
                $crate::tensor::NativeTensor::traced(&env, OP, &inputs, move |inputs| {
                    #[allow(unused_variables)]
                    let &[$($t),*] = inputs else {
                        unreachable!("{OP}: the recorder hands an op the inputs it was recorded with")
                    };
                    $body
                })
            }
        )*

        /// The public names of this module's ops, by entry.
        pub(crate) const NAMES: &[$crate::declare::OpName] = &[$((stringify!($fn), $js)),*];
    };
}
pub(crate) use ops;
