//! How a [`NativeTensor`] crosses into JavaScript: as a Node-API external, not as
//! a class instance.
//!
//! Every op returns a new tensor, so creating its JavaScript handle is most of the
//! cost of a small op. A napi-rs class instance runs a constructor, wraps a private
//! property (a map transition on each new object) and goes through napi-rs's
//! class-identity and borrow registries on every call: about 1.5 us for a 1x1 add.
//! An external is one small V8 object with a finalizer, and reading it back is a
//! pointer fetch. (napi-rs's own `External<T>` checks its pointers in one
//! process-wide mutex-guarded map with SipHash, and measured 1.18 us per 1x1 add;
//! the per-thread set here needs no lock.) The TypeScript `Tensor` wraps the handle and calls the
//! `tensor*` functions with it, so users never see the difference.
//!
//! Soundness: `napi_get_value_external` hands back whatever pointer an external
//! was made with, and externals from other add-ons could reach us through
//! JavaScript. So every handle this thread made is recorded in a per-thread set
//! while it lives, and a pointer is dereferenced only if the set holds it (each
//! JavaScript thread, a worker too, is its own isolate, and a handle is created and
//! finalized on its isolate's thread). The binding never calls back into
//! JavaScript, so a reference taken from a handle never outlives the call that took
//! it; `dispose` is its own call and takes only the handle it frees.

use crate::tensor::NativeTensor;
use napi::bindgen_prelude::{
    FromNapiMutRef, FromNapiRef, FromNapiValue, ToNapiValue, TypeName, ValidateNapiValue,
};
use napi::{sys, Error, Status, ValueType};
use std::cell::RefCell;
use std::collections::HashSet;
use std::ffi::c_void;
use std::hash::{BuildHasherDefault, Hasher};

/// Hashes the addresses of boxed handles: one multiply, since boxes are
/// distinct and their high bits spread well after it (SipHash costs more than
/// the lookup it guards).
#[derive(Default)]
struct AddressHasher(u64);

impl Hasher for AddressHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_usize(&mut self, n: usize) {
        self.0 = (n as u64)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .rotate_left(26);
    }
}

thread_local! {
    /// The handles this thread created that are still alive.
    static LIVE: RefCell<HashSet<usize, BuildHasherDefault<AddressHasher>>> =
        RefCell::new(HashSet::default());
}

/// Frees a handle once V8 has collected its external. Runs inside garbage
/// collection (see `module_version.rs`): it only touches Rust memory.
unsafe extern "C" fn finalize(_env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
    LIVE.with(|live| live.borrow_mut().remove(&(data as usize)));
    // SAFETY: `data` is the pointer `to_napi_value` got from `Box::into_raw` for
    // this external, and V8 runs an external's finalizer exactly once.
    drop(unsafe { Box::from_raw(data.cast::<NativeTensor>()) });
}

impl ToNapiValue for NativeTensor {
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
        let data = Box::into_raw(Box::new(val));
        let mut value = std::ptr::null_mut();
        // SAFETY: `env` is the live env of this call (the caller's contract);
        // `data` stays valid until `finalize` frees it.
        let status = unsafe {
            sys::napi_create_external(
                env,
                data.cast(),
                Some(finalize),
                std::ptr::null_mut(),
                &mut value,
            )
        };
        if status != sys::Status::napi_ok {
            // SAFETY: the external was not created, so nothing else owns `data`.
            drop(unsafe { Box::from_raw(data) });
            return Err(Error::new(
                Status::GenericFailure,
                "could not create a tensor handle",
            ));
        }
        LIVE.with(|live| live.borrow_mut().insert(data as usize));
        Ok(value)
    }
}

/// The live handle behind `value`, or an error if it is not one of ours.
///
/// # Safety
/// `env` and `value` must be the live env and a value of the current call.
unsafe fn handle_ptr(
    env: sys::napi_env,
    value: sys::napi_value,
) -> napi::Result<*mut NativeTensor> {
    let mut data = std::ptr::null_mut();
    // SAFETY: the caller's contract; a value that is not an external gives an
    // error status, not a pointer.
    let status = unsafe { sys::napi_get_value_external(env, value, &mut data) };
    if status == sys::Status::napi_ok && LIVE.with(|live| live.borrow().contains(&(data as usize)))
    {
        Ok(data.cast())
    } else {
        Err(Error::new(Status::InvalidArg, "expected a tensor"))
    }
}

impl FromNapiRef for NativeTensor {
    unsafe fn from_napi_ref(
        env: sys::napi_env,
        napi_val: sys::napi_value,
    ) -> napi::Result<&'static Self> {
        // SAFETY: the pointer is a live handle (checked in `handle_ptr`); it stays
        // alive for this call because the call's arguments keep its external
        // reachable, and nothing mutates it meanwhile (see the module doc).
        Ok(unsafe { &*handle_ptr(env, napi_val)? })
    }
}

impl FromNapiMutRef for NativeTensor {
    unsafe fn from_napi_mut_ref(
        env: sys::napi_env,
        napi_val: sys::napi_value,
    ) -> napi::Result<&'static mut Self> {
        // SAFETY: as in `from_napi_ref`; only `tensorDispose` takes a handle
        // mutably, and it takes no other, so no other reference to it exists.
        Ok(unsafe { &mut *handle_ptr(env, napi_val)? })
    }
}

/// Declares `$t` a tensor handle to napi-rs: an external, `NativeTensor` in the
/// generated TypeScript.
macro_rules! tensor_handle_type {
    ($($t:ty),*) => {$(
        impl TypeName for $t {
            fn type_name() -> &'static str {
                "NativeTensor"
            }

            fn value_type() -> ValueType {
                ValueType::External
            }
        }

        impl ValidateNapiValue for $t {}
    )*};
}

tensor_handle_type!(NativeTensor, TensorRef);

/// A tensor argument inside a list (`Vec<TensorRef>`), where napi-rs needs an
/// owned value: a reference to the handle, valid for the call.
#[derive(Clone, Copy)]
pub struct TensorRef(&'static NativeTensor);

impl std::ops::Deref for TensorRef {
    type Target = NativeTensor;

    fn deref(&self) -> &NativeTensor {
        self.0
    }
}

impl FromNapiValue for TensorRef {
    unsafe fn from_napi_value(env: sys::napi_env, napi_val: sys::napi_value) -> napi::Result<Self> {
        // SAFETY: the caller's contract, as for `from_napi_ref`.
        Ok(TensorRef(unsafe {
            NativeTensor::from_napi_ref(env, napi_val)?
        }))
    }
}
