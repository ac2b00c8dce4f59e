//! A typed map for what the layers above the wire attach to a request or
//! a response: the app's state and session, the error being rendered.
//! The wire types carry the map without knowing what is
//! in it, so `http/` never names a module above it.

use std::any::{Any, TypeId};
use std::fmt;

/// Values found by their type, at most one of each type.
///
/// Few values live here (one or two per request: the app's state and
/// session, a caught error), so they are searched in order rather than
/// hashed, and the first four (`INLINE`) are kept in place rather than in a
/// vector of their own: a request's map then costs no allocation beyond
/// the boxes of its values.
pub struct Extensions {
    inline: [Option<Entry>; INLINE],
    /// Values beyond the first [`INLINE`].
    more: Vec<Entry>,
}

/// How many values an [`Extensions`] holds without a vector.
const INLINE: usize = 4;

type Entry = (TypeId, Box<dyn Any + Send + Sync>);

impl Default for Extensions {
    fn default() -> Extensions {
        Extensions::new()
    }
}

impl Extensions {
    /// An empty map (no allocation until a value comes).
    pub const fn new() -> Extensions {
        Extensions {
            inline: [const { None }; INLINE],
            more: Vec::new(),
        }
    }

    fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.inline.iter().flatten().chain(&self.more)
    }

    fn entries_mut(&mut self) -> impl Iterator<Item = &mut Entry> {
        self.inline.iter_mut().flatten().chain(&mut self.more)
    }

    /// Stores `value`, returning the value of the same type it replaces.
    pub fn insert<T: Any + Send + Sync>(&mut self, value: T) -> Option<T> {
        let id = TypeId::of::<T>();
        if let Some((_, slot)) = self.entries_mut().find(|(t, _)| *t == id) {
            let old = std::mem::replace(slot, Box::new(value));
            return old.downcast::<T>().ok().map(|b| *b);
        }
        let entry: Entry = (id, Box::new(value));
        match self.inline.iter_mut().find(|slot| slot.is_none()) {
            Some(free) => *free = Some(entry),
            None => self.more.push(entry),
        }
        None
    }

    /// The value of type `T`, if any.
    pub fn get<T: Any + Send + Sync>(&self) -> Option<&T> {
        let id = TypeId::of::<T>();
        let (_, value) = self.entries().find(|(t, _)| *t == id)?;
        value.downcast_ref::<T>()
    }

    /// The value of type `T`, to change it.
    pub fn get_mut<T: Any + Send + Sync>(&mut self) -> Option<&mut T> {
        let id = TypeId::of::<T>();
        let (_, value) = self.entries_mut().find(|(t, _)| *t == id)?;
        value.downcast_mut::<T>()
    }

    /// Takes the value of type `T` out, if any.
    pub fn remove<T: Any + Send + Sync>(&mut self) -> Option<T> {
        let id = TypeId::of::<T>();
        let taken = match self
            .inline
            .iter_mut()
            .find(|slot| slot.as_ref().is_some_and(|(t, _)| *t == id))
        {
            Some(slot) => slot.take(),
            None => {
                let index = self.more.iter().position(|(t, _)| *t == id)?;
                Some(self.more.swap_remove(index))
            }
        };
        taken.and_then(|(_, value)| value.downcast::<T>().ok().map(|b| *b))
    }

    /// Whether nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.entries().next().is_none()
    }
}

impl fmt::Debug for Extensions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Extensions({} values)", self.entries().count())
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

    #[test]
    fn more_values_than_fit_in_place() {
        let mut ext = Extensions::new();
        ext.insert(1u8);
        ext.insert(2u16);
        ext.insert(3u32);
        ext.insert(4u64);
        ext.insert(5u128); // the fifth goes to the vector
        ext.insert("six");
        assert_eq!(ext.insert(50u128), Some(5));
        assert_eq!(ext.remove::<u16>(), Some(2)); // frees a place...
        ext.insert(7i8); // ...which the next value takes
        assert_eq!(
            (ext.get::<u8>(), ext.get::<u32>(), ext.get::<u64>()),
            (Some(&1), Some(&3), Some(&4))
        );
        assert_eq!(
            (ext.get::<u128>(), ext.get::<&str>()),
            (Some(&50), Some(&"six"))
        );
        assert_eq!(ext.get::<i8>(), Some(&7));
        assert_eq!(ext.remove::<&str>(), Some("six"));
        assert_eq!(ext.remove::<&str>(), None);
        for _ in 0..2 {
            ext.remove::<u8>();
            ext.remove::<u32>();
            ext.remove::<u64>();
            ext.remove::<u128>();
            ext.remove::<i8>();
        }
        assert!(ext.is_empty());
        assert_eq!(format!("{ext:?}"), "Extensions(0 values)");
    }
}
