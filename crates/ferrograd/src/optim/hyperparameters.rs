//! An optimizer's hyperparameters are declared once, in its file, with
//! [`hyperparameters!`]: each one's name, type, default, doc and range check. The
//! declaration makes the options struct here, and an exported macro hands the same
//! declaration to the binding, which makes its JavaScript options object of it;
//! the TypeScript layer asks the binding for the defaults.

use crate::{bail, Result};

/// The hyperparameters of one parameter group of some optimizer, as
/// [`hyperparameters!`] declares them.
pub trait Hyperparameters: Copy + PartialEq + std::fmt::Debug + Default {
    /// Refuses a value outside the range its declaration gives, naming the
    /// optimizer `op` and the option as JavaScript spells it.
    fn check(&self, op: &str) -> Result<()>;
}

/// Declares an optimizer's hyperparameters: one field a line, as
/// `name: type = default => check,` under its doc comment (`=> check` is
/// optional). The type is one token tree (`f64`, `bool`, `(f64, f64)`); the check
/// is a function of this module taking `(op, name, value)`. It makes
///
/// - the options struct, with `Default` giving the declared defaults and
///   [`Hyperparameters::check`] running the declared checks in order;
/// - the exported macro named before `=>` (`sgd_hyperparameters`): invoked with
///   the path of a macro `m`, it invokes `m!` with the declaration as written
///   here, so the binding generates its options object from the same lines.
///
/// ```text
/// hyperparameters! {
///     /// Hyperparameters of one SGD parameter group.
///     sgd_hyperparameters => SgdOptions {
///         /// Learning rate.
///         lr: f64 = 1e-3 => non_negative,
///         /// Nesterov momentum.
///         nesterov: bool = false,
///     }
/// }
/// ```
macro_rules! hyperparameters {
    (
        @with_dollar ($d:tt)
        $(#[doc = $doc:literal])*
        $table:ident => $name:ident {
            $(
                $(#[doc = $fdoc:literal])*
                $field:ident: $ty:tt = $default:expr $(=> $check:ident)?,
            )*
        }
    ) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, Copy, PartialEq)]
        pub struct $name {
            $( $(#[doc = $fdoc])* pub $field: $ty, )*
        }

        impl Default for $name {
            fn default() -> Self {
                $name { $( $field: $default, )* }
            }
        }

        impl $crate::optim::Hyperparameters for $name {
            fn check(&self, op: &str) -> $crate::Result<()> {
                $( $( $crate::optim::hyperparameters::$check(op, stringify!($field), self.$field)?; )? )*
                Ok(())
            }
        }

        #[doc = concat!("Invokes the macro at the path given with the declaration of [`optim::", stringify!($name), "`](crate::optim::", stringify!($name), ")")]
        /// (`name: type = default => check,` a field, under its doc comment), so
        /// the binding declares its options object from the same lines.
        #[macro_export]
        macro_rules! $table {
            ($d($d m:ident)::+) => {
                $d($d m)::+! {
                    $(#[doc = $doc])*
                    $name {
                        $( $(#[doc = $fdoc])* $field: $ty = $default $(=> $check)?, )*
                    }
                }
            };
        }
    };
    ($($declaration:tt)*) => {
        hyperparameters! { @with_dollar ($) $($declaration)* }
    };
}
pub(crate) use hyperparameters;

/// `weight_decay` as JavaScript spells it: `weightDecay`.
fn js_name(name: &str) -> String {
    let mut parts = name.split('_');
    let mut out = parts.next().unwrap_or_default().to_string();
    for part in parts {
        let mut chars = part.chars();
        out.extend(chars.next().map(|c| c.to_ascii_uppercase()));
        out.push_str(chars.as_str());
    }
    out
}

/// Refuses a value that is not a finite number >= 0.
pub fn non_negative(op: &str, name: &str, v: f64) -> Result<()> {
    if !(v.is_finite() && v >= 0.0) {
        bail!(
            Arg,
            "{op}: {} must be a finite number >= 0, got {v}",
            js_name(name)
        );
    }
    Ok(())
}

/// Refuses a value outside [0, 1].
pub fn unit_interval(op: &str, name: &str, v: f64) -> Result<()> {
    if !(0.0..=1.0).contains(&v) {
        bail!(Arg, "{op}: {} must be in [0, 1], got {v}", js_name(name));
    }
    Ok(())
}

/// Refuses a pair of decay rates unless each is in [0, 1).
pub fn decay_rates(op: &str, name: &str, (a, b): (f64, f64)) -> Result<()> {
    for (i, v) in [a, b].into_iter().enumerate() {
        if !(0.0..1.0).contains(&v) {
            bail!(
                Arg,
                "{op}: {}[{i}] must be in [0, 1), got {v}",
                js_name(name)
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_spelled_as_javascript_spells_them() {
        assert_eq!(js_name("lr"), "lr");
        assert_eq!(js_name("weight_decay"), "weightDecay");
        assert_eq!(
            js_name("initial_accumulator_value"),
            "initialAccumulatorValue"
        );
    }

    #[test]
    fn checks_refuse_what_pytorch_refuses() {
        assert!(non_negative("SGD", "lr", 0.0).is_ok());
        let err = non_negative("SGD", "weight_decay", f64::NAN).unwrap_err();
        assert_eq!(
            err.message,
            "SGD: weightDecay must be a finite number >= 0, got NaN"
        );
        assert!(unit_interval("RMSprop", "alpha", 1.0).is_ok());
        assert!(unit_interval("RMSprop", "alpha", 1.5).is_err());
        assert!(decay_rates("Adam", "betas", (0.0, 0.999)).is_ok());
        let err = decay_rates("Adam", "betas", (0.9, 1.0)).unwrap_err();
        assert_eq!(err.message, "Adam: betas[1] must be in [0, 1), got 1");
    }
}
