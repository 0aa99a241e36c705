//! A run's params, tags and metrics: a map from keys to values kept as one vector of pairs
//! in key order. A sweep's run holds a few dozen entries; a vector holds them in one
//! allocation with no slack per node (a `BTreeMap` of the same entries takes about twice
//! the memory), is searched by bisection and walked in key order.

use std::fmt;

use super::Text;

/// A sorted map from [`Text`] keys to values (see the module documentation).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct KeyMap<V> {
    /// Sorted by key, keys unique.
    entries: Vec<(Text, V)>,
}

impl<V> Default for KeyMap<V> {
    fn default() -> Self {
        Self {
            entries: Vec::new(),
        }
    }
}

impl<V> KeyMap<V> {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn clear(&mut self) {
        self.entries.clear();
    }

    fn find(&self, key: &str) -> Result<usize, usize> {
        self.entries.binary_search_by(|(k, _)| k.as_str().cmp(key))
    }

    pub fn get(&self, key: &str) -> Option<&V> {
        self.find(key).ok().map(|i| &self.entries[i].1)
    }

    /// The value of `key`, looked for first at position `*hint` and then by bisection;
    /// `*hint` is left where it was found. Going through many runs of one sweep, whose
    /// maps hold the same keys, the previous run's position mostly finds it in one probe
    /// (one cache line instead of a miss per step of the bisection).
    pub fn get_hinted(&self, key: &str, hint: &mut usize) -> Option<&V> {
        if let Some((k, v)) = self.entries.get(*hint)
            && k.as_str() == key
        {
            return Some(v);
        }
        let i = self.find(key).ok()?;
        *hint = i;
        Some(&self.entries[i].1)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut V> {
        self.find(key).ok().map(|i| &mut self.entries[i].1)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.find(key).is_ok()
    }

    /// Sets `key` to `value`, returning the value it had.
    pub fn insert(&mut self, key: Text, value: V) -> Option<V> {
        // Keys often come in order (a store's sorted listing): append without a search.
        if self.entries.last().is_none_or(|(k, _)| *k < key) {
            self.entries.push((key, value));
            return None;
        }
        match self.find(&key) {
            Ok(i) => Some(std::mem::replace(&mut self.entries[i].1, value)),
            Err(i) => {
                self.entries.insert(i, (key, value));
                None
            }
        }
    }

    pub fn remove(&mut self, key: &str) -> Option<V> {
        self.find(key).ok().map(|i| self.entries.remove(i).1)
    }

    pub fn retain(&mut self, mut keep: impl FnMut(&Text, &mut V) -> bool) {
        self.entries.retain_mut(|(k, v)| keep(k, v));
    }

    /// Entries in key order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&Text, &V)> + ExactSizeIterator {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    pub fn iter_mut(
        &mut self,
    ) -> impl DoubleEndedIterator<Item = (&Text, &mut V)> + ExactSizeIterator {
        self.entries.iter_mut().map(|(k, v)| (&*k, v))
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &Text> + ExactSizeIterator {
        self.entries.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl DoubleEndedIterator<Item = &V> + ExactSizeIterator {
        self.entries.iter().map(|(_, v)| v)
    }

    /// Gives memory back after a load (the vector grew by doubling).
    pub fn shrink_to_fit(&mut self) {
        self.entries.shrink_to_fit();
    }
}

impl<V: fmt::Debug> fmt::Debug for KeyMap<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<V> std::ops::Index<&str> for KeyMap<V> {
    type Output = V;

    /// The value of `key`; panics when there is none (as `BTreeMap` does).
    fn index(&self, key: &str) -> &V {
        match self.get(key) {
            Some(v) => v,
            None => panic!("no key {key:?} in the map"),
        }
    }
}

impl<V> FromIterator<(Text, V)> for KeyMap<V> {
    /// The last value of a key given twice wins, as with `BTreeMap`.
    fn from_iter<I: IntoIterator<Item = (Text, V)>>(iter: I) -> Self {
        let mut entries: Vec<(Text, V)> = iter.into_iter().collect();
        // A stable sort keeps repeats in the order given; the last one stays.
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        let mut out: Vec<(Text, V)> = Vec::with_capacity(entries.len());
        for e in entries {
            match out.last_mut() {
                Some(last) if last.0 == e.0 => *last = e,
                _ => out.push(e),
            }
        }
        Self { entries: out }
    }
}

impl<V> Extend<(Text, V)> for KeyMap<V> {
    fn extend<I: IntoIterator<Item = (Text, V)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl<V> IntoIterator for KeyMap<V> {
    type Item = (Text, V);
    type IntoIter = std::vec::IntoIter<(Text, V)>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl<'a, V> IntoIterator for &'a KeyMap<V> {
    type Item = (&'a Text, &'a V);
    type IntoIter =
        std::iter::Map<std::slice::Iter<'a, (Text, V)>, fn(&'a (Text, V)) -> (&'a Text, &'a V)>;

    fn into_iter(self) -> Self::IntoIter {
        fn pair<V>((k, v): &(Text, V)) -> (&Text, &V) {
            (k, v)
        }
        self.entries.iter().map(pair)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::*;

    #[derive(Debug, Clone)]
    enum Op {
        Insert(String, u8),
        Remove(String),
        Retain(u8),
    }

    fn key() -> impl Strategy<Value = String> {
        proptest::sample::select(&["a", "b", "B", "a/b", "é", "", "zz", "a "][..])
            .prop_map(str::to_string)
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (key(), any::<u8>()).prop_map(|(k, v)| Op::Insert(k, v)),
            1 => key().prop_map(Op::Remove),
            1 => any::<u8>().prop_map(Op::Retain),
        ]
    }

    proptest! {
        /// Every operation gives what a `BTreeMap` gives.
        #[test]
        fn behaves_as_a_btree_map(
            ops in proptest::collection::vec(op(), 0..40),
            start in proptest::collection::vec((key(), any::<u8>()), 0..10),
        ) {
            let mut reference: BTreeMap<Text, u8> =
                start.iter().map(|(k, v)| (Text::from(k.as_str()), *v)).collect();
            let mut map: KeyMap<u8> =
                start.iter().map(|(k, v)| (Text::from(k.as_str()), *v)).collect();
            for op in ops {
                match op {
                    Op::Insert(k, v) => prop_assert_eq!(
                        map.insert(k.as_str().into(), v),
                        reference.insert(k.as_str().into(), v)
                    ),
                    Op::Remove(k) => prop_assert_eq!(map.remove(&k), reference.remove(k.as_str())),
                    Op::Retain(m) => {
                        map.retain(|_, v| *v % 3 != m % 3);
                        reference.retain(|_, v| *v % 3 != m % 3);
                    }
                }
                prop_assert_eq!(map.len(), reference.len());
                prop_assert!(map.iter().eq(reference.iter()));
                for (h, k) in ["a", "b", "é", "", "q"].into_iter().enumerate() {
                    prop_assert_eq!(map.get(k), reference.get(k));
                    // Wherever the hint points, the answer is the same.
                    let mut hint = h;
                    prop_assert_eq!(map.get_hinted(k, &mut hint), reference.get(k));
                    prop_assert_eq!(map.get_hinted(k, &mut hint), reference.get(k));
                    prop_assert_eq!(map.contains_key(k), reference.contains_key(k));
                }
                prop_assert_eq!(format!("{map:?}"), format!("{reference:?}"));
            }
        }
    }
}
