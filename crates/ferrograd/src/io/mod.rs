//! Reading and writing tensors in files.

pub mod csv;
pub mod idx;
pub mod safetensors;
