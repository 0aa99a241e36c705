//! Decoding a server's JSON as a stream, in memory proportional to what is kept: a page's
//! list is handed over item by item (`decode_page`), lists inside an item fold straight into
//! maps, items and entries without a key cost nothing, and scalars of the wrong type are read
//! leniently instead of buffering them (serde's untagged enums would copy every value into a
//! tree first). A body of `{}` objects, however long, therefore allocates nothing.

use std::fmt;
use std::io::Read;
use std::marker::PhantomData;

use serde::de::{self, DeserializeOwned, DeserializeSeed, Deserializer, IgnoredAny, Visitor};

/// Reads a page object `{"<list>": [...], "next_page_token": "...", ...}` from `reader`,
/// calling `on_item` for each element of `list` as soon as it is parsed; other fields are
/// skipped. Returns the next page token. The whole input must be one JSON value.
pub fn decode_page<T: DeserializeOwned>(
    reader: impl Read,
    list: &'static str,
    on_item: &mut dyn FnMut(T),
) -> serde_json::Result<Option<String>> {
    let mut de = serde_json::Deserializer::from_reader(reader);
    let token = PageSeed {
        list,
        on_item,
        _item: PhantomData,
    }
    .deserialize(&mut de)?;
    de.end()?;
    Ok(token)
}

struct PageSeed<'a, T> {
    list: &'static str,
    on_item: &'a mut dyn FnMut(T),
    _item: PhantomData<T>,
}

impl<'de, T: DeserializeOwned> DeserializeSeed<'de> for PageSeed<'_, T> {
    type Value = Option<String>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, T: DeserializeOwned> Visitor<'de> for PageSeed<'_, T> {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "an object with a \"{}\" list", self.list)
    }

    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut token = None;
        while let Some(key) = map.next_key::<Key>()? {
            if key.0 == self.list {
                map.next_value_seed(ListSeed {
                    on_item: &mut *self.on_item,
                })?;
            } else if key.0 == "next_page_token" {
                token = map.next_value_seed(LenientString)?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(token)
    }
}

/// A field name (escapes decoded; no allocation when it can be borrowed).
struct Key(String);

impl<'de> de::Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Key(String::deserialize(d)?))
    }
}

/// A JSON array (or `null`) whose elements go to `on_item` one by one.
struct ListSeed<'a, T> {
    on_item: &'a mut dyn FnMut(T),
}

impl<'de, T: DeserializeOwned> DeserializeSeed<'de> for ListSeed<'_, T> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, T: DeserializeOwned> Visitor<'de> for ListSeed<'_, T> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list")
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(item) = seq.next_element::<T>()? {
            (self.on_item)(item);
        }
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
}

/// Folds a JSON array of `T` (or `null`) into `Acc` item by item: `fold(&mut acc, item)`.
pub fn fold_list<'de, D, T, Acc>(d: D, fold: fn(&mut Acc, T)) -> Result<Acc, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
    Acc: Default,
{
    let mut acc = Acc::default();
    ListSeed {
        on_item: &mut |item| fold(&mut acc, item),
    }
    .deserialize(d)?;
    Ok(acc)
}

/// A scalar read leniently: text, or a number as text; anything else (an object, a list,
/// `true`) is skipped without being kept and reads as `None`.
pub struct LenientString;

impl<'de> DeserializeSeed<'de> for LenientString {
    type Value = Option<String>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(Scalar).map(|s| match s {
            S::Text(t) => Some(t),
            S::Int(i) => Some(i.to_string()),
            S::UInt(u) => Some(u.to_string()),
            S::Float(f) => Some(f.to_string()),
            S::Bool(b) => Some(b.to_string()),
            S::Nothing => None,
        })
    }
}

/// `deserialize_with` for an optional text field (see [`LenientString`]).
pub fn lenient_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    LenientString.deserialize(d)
}

/// An int64: a JSON number, or a decimal string (as MLflow's proto-JSON may send);
/// anything else reads as `None`.
pub fn lenient_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(match d.deserialize_any(Scalar)? {
        S::Int(i) => Some(i),
        S::UInt(u) => i64::try_from(u).ok(),
        S::Float(f) if f.is_finite() => Some(f as i64),
        S::Text(s) => s.trim().parse().ok(),
        _ => None,
    })
}

/// A metric value: a JSON number, or `"NaN"`, `"Infinity"`, `"-Infinity"` (proto JSON);
/// anything else is NaN.
pub fn metric_value<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(match d.deserialize_any(Scalar)? {
        S::Int(i) => i as f64,
        S::UInt(u) => u as f64,
        S::Float(f) => f,
        S::Text(s) => match s.trim() {
            "Infinity" | "inf" | "+Infinity" => f64::INFINITY,
            "-Infinity" | "-inf" => f64::NEG_INFINITY,
            other => other.parse().unwrap_or(f64::NAN),
        },
        _ => f64::NAN,
    })
}

/// What a scalar turned out to be.
enum S {
    Text(String),
    Int(i64),
    UInt(u64),
    Float(f64),
    Bool(bool),
    /// `null`, or a list or object (skipped, not kept).
    Nothing,
}

struct Scalar;

impl<'de> Visitor<'de> for Scalar {
    type Value = S;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string or a number")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<S, E> {
        Ok(S::Text(v.to_string()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<S, E> {
        Ok(S::Text(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<S, E> {
        Ok(S::Int(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<S, E> {
        Ok(i64::try_from(v).map_or(S::UInt(v), S::Int))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<S, E> {
        Ok(S::Float(v))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<S, E> {
        Ok(S::Bool(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<S, E> {
        Ok(S::Nothing)
    }

    fn visit_none<E: de::Error>(self) -> Result<S, E> {
        Ok(S::Nothing)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<S, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<S, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(S::Nothing)
    }

    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<S, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(S::Nothing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Default, serde::Deserialize, PartialEq)]
    #[serde(default)]
    struct Item {
        #[serde(deserialize_with = "lenient_string")]
        id: Option<String>,
        #[serde(deserialize_with = "lenient_i64")]
        n: Option<i64>,
    }

    fn page(text: &str) -> serde_json::Result<(Vec<Item>, Option<String>)> {
        let mut items = Vec::new();
        let token = decode_page(text.as_bytes(), "items", &mut |i| items.push(i))?;
        Ok((items, token))
    }

    #[test]
    fn pages_stream_their_list_and_keep_the_token() {
        let (items, token) = page(
            r#"{"other": {"deep": [1, 2]}, "items": [{"id": "a", "n": "7"}, {}, {"id": 5,
               "n": [1]}], "next_page_token": "t2"}"#,
        )
        .expect("page");
        assert_eq!(
            items,
            vec![
                Item {
                    id: Some("a".into()),
                    n: Some(7)
                },
                Item::default(),
                Item {
                    id: Some("5".into()),
                    n: None
                }
            ]
        );
        assert_eq!(token.as_deref(), Some("t2"));
        assert_eq!(page("{}").expect("empty"), (vec![], None));
        assert_eq!(
            page(r#"{"items": null, "next_page_token": null}"#).expect("nulls"),
            (vec![], None)
        );
        assert!(page("[]").is_err());
        assert!(page(r#"{"items": []} trailing"#).is_err());
        assert!(page(r#"{"items": [{"id": "#).is_err());
    }

    #[test]
    fn wrong_types_are_skipped_not_buffered() {
        let (items, _) =
            page(r#"{"items": [{"id": {"a": [1, {"b": 2}]}, "n": 1e300}]}"#).expect("page");
        assert_eq!(items[0].id, None);
        assert_eq!(items[0].n, Some(i64::MAX), "a huge float saturates");
    }
}
