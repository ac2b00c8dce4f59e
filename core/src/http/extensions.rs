//! A typed map for what the layers above the wire attach to a request or
//! a response: the app's state, the session, the error being rendered,
//! the request id. The wire types carry the map without knowing what is
//! in it, so `http/` never names a module above it.

use std::any::{Any, TypeId};
use std::fmt;

/// Values found by their type, at most one of each type.
///
/// Few values live here (a handful per request), so a vector searched
/// from the start beats a hash map, and an empty map allocates nothing.
#[derive(Default)]
pub struct Extensions {
    entries: Vec<(TypeId, Box<dyn Any + Send + Sync>)>,
}

impl Extensions {
    /// An empty map (no allocation until the first insert).
    pub fn new() -> Extensions {
        Extensions::default()
    }

    /// Stores `value`, returning the value of that type stored before.
    pub fn insert<T: Any + Send + Sync>(&mut self, value: T) -> Option<T> {
        let id = TypeId::of::<T>();
        match self.entries.iter_mut().find(|(t, _)| *t == id) {
            Some((_, slot)) => {
                let old = std::mem::replace(slot, Box::new(value));
                old.downcast::<T>().ok().map(|b| *b)
            }
            None => {
                self.entries.push((id, Box::new(value)));
                None
            }
        }
    }

    /// The value of type `T`, if one is stored.
    pub fn get<T: Any + Send + Sync>(&self) -> Option<&T> {
        let id = TypeId::of::<T>();
        let (_, value) = self.entries.iter().find(|(t, _)| *t == id)?;
        value.downcast_ref::<T>()
    }

    /// The value of type `T`, to change it.
    pub fn get_mut<T: Any + Send + Sync>(&mut self) -> Option<&mut T> {
        let id = TypeId::of::<T>();
        let (_, value) = self.entries.iter_mut().find(|(t, _)| *t == id)?;
        value.downcast_mut::<T>()
    }

    /// Takes the value of type `T` out of the map.
    pub fn remove<T: Any + Send + Sync>(&mut self) -> Option<T> {
        let id = TypeId::of::<T>();
        let index = self.entries.iter().position(|(t, _)| *t == id)?;
        let (_, value) = self.entries.swap_remove(index);
        value.downcast::<T>().ok().map(|b| *b)
    }

    /// Whether nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl fmt::Debug for Extensions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Extensions({} values)", self.entries.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_value_per_type() {
        let mut ext = Extensions::new();
        assert!(ext.is_empty());
        assert_eq!(ext.insert(1u32), None);
        assert_eq!(ext.insert("text"), None);
        assert_eq!(ext.insert(2u32), Some(1));
        assert_eq!(ext.get::<u32>(), Some(&2));
        *ext.get_mut::<&str>().unwrap() = "changed";
        assert_eq!(ext.get::<&str>(), Some(&"changed"));
        assert_eq!(ext.get::<u64>(), None);
        assert_eq!(ext.remove::<u32>(), Some(2));
        assert_eq!(ext.get::<u32>(), None);
        assert_eq!(ext.get::<&str>(), Some(&"changed"));
    }
}
