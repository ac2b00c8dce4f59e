//! What is emitted when an attribute has mistakes.
//!
//! The user's item is emitted unchanged beside the errors (as `thiserror`
//! does with its fallback), so that the rest of the crate, and an IDE,
//! still find the function: one mistake in a route attribute gives the
//! errors of that attribute, not a cascade of "cannot find function".
//! Nothing is registered.

use proc_macro2::TokenStream;
use quote::quote;

/// The original item followed by one `compile_error!` per error.
pub fn fallback(original: TokenStream, errors: syn::Error) -> TokenStream {
    let errors = errors.into_compile_error();
    quote! {
        #original
        #errors
    }
}
