//! Run-time SIMD dispatch. The prebuilt binary targets baseline x86-64 (or aarch64),
//! so wider instructions are used only after the CPU says it has them: each hot
//! loop is written once, generically, and compiled again inside functions with
//! `#[target_feature]`, where the compiler vectorises it for AVX2 or AVX-512.
//! The level is decided once per process; `FERROGRAD_SIMD=scalar|avx2|avx512`
//! lowers it (a level the CPU lacks is never used).
//!
//! Floating-point results are identical at every level: Rust neither reassociates
//! nor fuses float operations, so only the width of the registers changes.

use std::sync::OnceLock;

/// An instruction-set level the kernels can run at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SimdLevel {
    /// The target's baseline (SSE2 on x86-64).
    Scalar,
    /// ARM NEON (the aarch64 baseline).
    Neon,
    /// x86-64 AVX2 with FMA.
    Avx2,
    /// x86-64 AVX-512 (F).
    Avx512,
}

impl SimdLevel {
    /// The name `FERROGRAD_SIMD` and `simdLevel()` use.
    pub fn name(self) -> &'static str {
        match self {
            SimdLevel::Scalar => "scalar",
            SimdLevel::Neon => "neon",
            SimdLevel::Avx2 => "avx2",
            SimdLevel::Avx512 => "avx512",
        }
    }

    /// Parses a level name.
    pub fn parse(name: &str) -> Option<SimdLevel> {
        Some(match name.trim().to_ascii_lowercase().as_str() {
            "scalar" => SimdLevel::Scalar,
            "neon" => SimdLevel::Neon,
            "avx2" => SimdLevel::Avx2,
            "avx512" => SimdLevel::Avx512,
            _ => return None,
        })
    }
}

/// The best level this CPU supports.
pub fn detected() -> SimdLevel {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            return SimdLevel::Avx512;
        }
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            return SimdLevel::Avx2;
        }
    }
    #[cfg(target_arch = "aarch64")]
    {
        return SimdLevel::Neon;
    }
    #[allow(unreachable_code)]
    SimdLevel::Scalar
}

/// The level requested by `FERROGRAD_SIMD`, capped at what the CPU supports.
/// An unknown value is ignored (with a warning on stderr) rather than failing
/// the import of the library.
fn choose(requested: Option<&str>, best: SimdLevel) -> SimdLevel {
    match requested.map(|r| (r, SimdLevel::parse(r))) {
        None => best,
        Some((_, Some(level))) => level.min(best),
        Some((raw, None)) => {
            eprintln!("ferrograd: ignoring FERROGRAD_SIMD={raw:?} (expected scalar, avx2, avx512 or neon)");
            best
        }
    }
}

/// The level the kernels use in this process.
pub fn level() -> SimdLevel {
    static LEVEL: OnceLock<SimdLevel> = OnceLock::new();
    *LEVEL.get_or_init(|| choose(std::env::var("FERROGRAD_SIMD").ok().as_deref(), detected()))
}

/// Whether this CPU runs 512-bit vector instructions as two 256-bit halves
/// (AMD Zen 4, CPU family 0x19 with AVX-512), so that a 256-bit kernel reaches
/// the same peak as a 512-bit one. Intel's AVX-512 parts and Zen 5 execute the
/// full width. Read once per process.
pub fn avx512_in_halves() -> bool {
    static HALVES: OnceLock<bool> = OnceLock::new();
    *HALVES.get_or_init(|| {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::x86_64::__cpuid;
            // CPUID exists on every x86-64 CPU; leaves 0 and 1 are always defined.
            let (vendor, signature) = (__cpuid(0), __cpuid(1).eax);
            let amd =
                (vendor.ebx, vendor.edx, vendor.ecx) == (0x6874_7541, 0x6974_6e65, 0x444d_4163);
            // The family is the base family (bits 8-11) plus the extended
            // family (bits 20-27) when the base is 0xf.
            let base = (signature >> 8) & 0xf;
            let family = if base == 0xf {
                base + ((signature >> 20) & 0xff)
            } else {
                base
            };
            return amd && family == 0x19 && detected() == SimdLevel::Avx512;
        }
        #[allow(unreachable_code)]
        false
    })
}

/// Defines `$name(args)` that runs `$generic(args)` compiled for the best level
/// allowed, plus `$name_at(level, args)` for tests that compare the levels.
///
/// `where level <= $cap` after the signature caps the level `$name` picks (tests can still
/// run `$at` at any level).
macro_rules! multiversion {
    (
        $(#[$doc:meta])*
        pub fn $name:ident / $at:ident / $generic:ident
            <$($g:ident : [$($bound:tt)+]),*> ($($arg:ident : $ty:ty),*) -> $ret:ty
    ) => {
        crate::kernels::simd::multiversion! {
            $(#[$doc])*
            pub fn $name / $at / $generic <$($g: [$($bound)+]),*> ($($arg: $ty),*) -> $ret
                where level <= crate::kernels::simd::SimdLevel::Avx512
        }
    };
    (
        $(#[$doc:meta])*
        pub fn $name:ident / $at:ident / $generic:ident
            <$($g:ident : [$($bound:tt)+]),*> ($($arg:ident : $ty:ty),*) -> $ret:ty
            where level <= $cap:expr
    ) => {
        $(#[$doc])*
        pub fn $name<$($g: $($bound)+),*>($($arg: $ty),*) -> $ret {
            $at(crate::kernels::simd::level().min($cap), $($arg),*)
        }

        /// The same at a given level; levels the CPU lacks fall back to scalar.
        pub fn $at<$($g: $($bound)+),*>(level: crate::kernels::simd::SimdLevel, $($arg: $ty),*) -> $ret {
            #[cfg(target_arch = "x86_64")]
            {
                // Safety of the two functions below: calling them on a CPU without
                // the features they enable is undefined behaviour; the only caller is
                // the dispatch after them, which checks `detected()` first.
                #[target_feature(enable = "avx2,fma")]
                unsafe fn avx2<$($g: $($bound)+),*>($($arg: $ty),*) -> $ret {
                    $generic($($arg),*)
                }
                #[target_feature(enable = "avx512f")]
                unsafe fn avx512<$($g: $($bound)+),*>($($arg: $ty),*) -> $ret {
                    $generic($($arg),*)
                }
                use crate::kernels::simd::{detected, SimdLevel};
                let level = level.min(detected());
                if level == SimdLevel::Avx512 {
                    // SAFETY: `level` is at most `detected()`, so the CPU has AVX-512F.
                    return unsafe { avx512($($arg),*) };
                }
                if level == SimdLevel::Avx2 {
                    // SAFETY: `level` is at most `detected()`, so the CPU has AVX2 and FMA
                    // (detected as such, or implied by AVX-512F: every CPU with AVX-512F
                    // has both, and Rust's `avx512f` feature implies them too).
                    return unsafe { avx2($($arg),*) };
                }
            }
            let _ = level;
            $generic($($arg),*)
        }
    };
}
pub(crate) use multiversion;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_environment_can_only_lower_the_level() {
        assert_eq!(choose(None, SimdLevel::Avx2), SimdLevel::Avx2);
        assert_eq!(choose(Some("scalar"), SimdLevel::Avx512), SimdLevel::Scalar);
        assert_eq!(choose(Some("AVX2"), SimdLevel::Avx512), SimdLevel::Avx2);
        assert_eq!(choose(Some("avx512"), SimdLevel::Avx2), SimdLevel::Avx2);
        assert_eq!(choose(Some("sse9"), SimdLevel::Avx2), SimdLevel::Avx2);
        assert!(level() <= detected());
    }

    #[test]
    fn avx512_in_halves_only_where_avx512_is() {
        assert!(!avx512_in_halves() || detected() == SimdLevel::Avx512);
    }
}
