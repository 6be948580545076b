//! Writes a value straight into a body's JSON tree, as a serde serializer:
//! the tree is the one [`super::encode`] would make from the value's JSON
//! text (serde_json's), without the text being written and parsed again.
//! The bill run made a bill's detail and phrases into JSON text and the
//! store parsed it back to encode the body; that was a third of the writer's
//! time (docs/benchmarks.md, issue 17's sixth round).
//!
//! Where serde_json's text would be read back as something other than the
//! value given, this writes what would be read: a float that is not finite
//! is `null`, a float is what serde_json's parser makes of its text (which
//! may differ in the last place), a 128-bit integer beyond 64 bits a float,
//! a map's number or boolean key its text. Bills hold no floats; the tests
//! compare both ways on any JSON value.

use std::fmt::Display;

use serde::ser::{self, Serialize};

use super::{ARRAY, END, Encoder, FALSE, FLOAT, NEGATIVE, NULL, OBJECT, TEXT, TRUE, WHOLE};
use crate::codec::put;

/// Why a value could not be written as a tree.
#[derive(Debug)]
pub struct Unwritable(String);

impl Display for Unwritable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Unwritable {}

impl ser::Error for Unwritable {
    fn custom<T: Display>(msg: T) -> Self {
        Self(msg.to_string())
    }
}

type Done = Result<(), Unwritable>;

/// A number's text as serde_json writes it (for floats: the shortest
/// that reads back the same).
fn json_text<T: Serialize>(v: &T) -> Result<String, Unwritable> {
    serde_json::to_string(v).map_err(|e| Unwritable(e.to_string()))
}

/// Writes one value as a tree.
pub(super) struct Tree<'e>(pub(super) &'e mut Encoder);

impl Tree<'_> {
    fn whole(self, v: u64) -> Done {
        self.0.out.push(WHOLE);
        put(&mut self.0.out, v);
        Ok(())
    }

    fn signed(self, v: i64) -> Done {
        if v >= 0 {
            return self.whole(v.unsigned_abs());
        }
        self.0.out.push(NEGATIVE);
        // −(v+1) ≥ 0: the bits of v inverted, as the parsed path writes it.
        put(&mut self.0.out, !v as u64);
        Ok(())
    }

    /// A float as serde_json's parser reads its text back (not always the
    /// very bits: its parser may round the last place differently).
    fn float(self, finite: bool, text: String) -> Done {
        if !finite {
            self.0.out.push(NULL);
            return Ok(());
        }
        let read: f64 = serde_json::from_str(&text).map_err(|e| Unwritable(e.to_string()))?;
        self.0.out.push(FLOAT);
        self.0.out.extend_from_slice(&read.to_le_bytes());
        Ok(())
    }

    fn text(self, v: &str) -> Done {
        self.0.out.push(TEXT);
        self.0.word(v);
        Ok(())
    }

    /// An object of one key, `variant`, whose value follows.
    fn variant(e: &mut Encoder, variant: &str) {
        e.out.push(OBJECT);
        e.word(variant);
    }
}

impl<'e> ser::Serializer for Tree<'e> {
    type Ok = ();
    type Error = Unwritable;
    type SerializeSeq = Items<'e>;
    type SerializeTuple = Items<'e>;
    type SerializeTupleStruct = Items<'e>;
    type SerializeTupleVariant = Items<'e>;
    type SerializeMap = Entries<'e>;
    type SerializeStruct = Entries<'e>;
    type SerializeStructVariant = Entries<'e>;

    fn serialize_bool(self, v: bool) -> Done {
        self.0.out.push(if v { TRUE } else { FALSE });
        Ok(())
    }

    fn serialize_i8(self, v: i8) -> Done {
        self.signed(v.into())
    }

    fn serialize_i16(self, v: i16) -> Done {
        self.signed(v.into())
    }

    fn serialize_i32(self, v: i32) -> Done {
        self.signed(v.into())
    }

    fn serialize_i64(self, v: i64) -> Done {
        self.signed(v)
    }

    fn serialize_i128(self, v: i128) -> Done {
        match (u64::try_from(v), i64::try_from(v)) {
            (Ok(v), _) => self.whole(v),
            (_, Ok(v)) => self.signed(v),
            // serde_json reads a longer integer back as a float.
            _ => self.float(true, v.to_string()),
        }
    }

    fn serialize_u8(self, v: u8) -> Done {
        self.whole(v.into())
    }

    fn serialize_u16(self, v: u16) -> Done {
        self.whole(v.into())
    }

    fn serialize_u32(self, v: u32) -> Done {
        self.whole(v.into())
    }

    fn serialize_u64(self, v: u64) -> Done {
        self.whole(v)
    }

    fn serialize_u128(self, v: u128) -> Done {
        match u64::try_from(v) {
            Ok(v) => self.whole(v),
            Err(_) => self.float(true, v.to_string()),
        }
    }

    fn serialize_f32(self, v: f32) -> Done {
        self.float(v.is_finite(), json_text(&v)?)
    }

    fn serialize_f64(self, v: f64) -> Done {
        self.float(v.is_finite(), json_text(&v)?)
    }

    fn serialize_char(self, v: char) -> Done {
        self.text(v.encode_utf8(&mut [0; 4]))
    }

    fn serialize_str(self, v: &str) -> Done {
        self.text(v)
    }

    fn serialize_bytes(self, v: &[u8]) -> Done {
        // serde_json writes bytes as an array of numbers.
        let e = self.0;
        e.out.push(ARRAY);
        for b in v {
            e.out.push(WHOLE);
            put(&mut e.out, (*b).into());
        }
        e.out.push(END);
        Ok(())
    }

    fn serialize_none(self) -> Done {
        self.serialize_unit()
    }

    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Done {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Done {
        self.0.out.push(NULL);
        Ok(())
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Done {
        self.serialize_unit()
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Done {
        self.text(variant)
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Done {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Done {
        let e = self.0;
        Tree::variant(e, variant);
        value.serialize(Tree(&mut *e))?;
        e.out.push(0);
        Ok(())
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Items<'e>, Unwritable> {
        self.0.out.push(ARRAY);
        Ok(Items {
            e: self.0,
            variant: false,
        })
    }

    fn serialize_tuple(self, len: usize) -> Result<Items<'e>, Unwritable> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<Items<'e>, Unwritable> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Items<'e>, Unwritable> {
        Tree::variant(self.0, variant);
        self.0.out.push(ARRAY);
        Ok(Items {
            e: self.0,
            variant: true,
        })
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Entries<'e>, Unwritable> {
        self.0.out.push(OBJECT);
        Ok(Entries {
            e: self.0,
            variant: false,
        })
    }

    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<Entries<'e>, Unwritable> {
        self.serialize_map(Some(len))
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Entries<'e>, Unwritable> {
        Tree::variant(self.0, variant);
        self.0.out.push(OBJECT);
        Ok(Entries {
            e: self.0,
            variant: true,
        })
    }
}

/// The items of an array (of a tuple variant's object, when `variant`).
pub(super) struct Items<'e> {
    e: &'e mut Encoder,
    variant: bool,
}

impl Items<'_> {
    fn item<T: ?Sized + Serialize>(&mut self, value: &T) -> Done {
        value.serialize(Tree(&mut *self.e))
    }

    fn close(self) -> Done {
        self.e.out.push(END);
        if self.variant {
            self.e.out.push(0);
        }
        Ok(())
    }
}

/// serde's four traits of a sequence, each adding items to an array.
macro_rules! items {
    ($($trait:ident :: $add:ident),*) => {$(
        impl ser::$trait for Items<'_> {
            type Ok = ();
            type Error = Unwritable;

            fn $add<T: ?Sized + Serialize>(&mut self, value: &T) -> Done {
                self.item(value)
            }

            fn end(self) -> Done {
                self.close()
            }
        }
    )*};
}

items!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

/// The entries of an object (of a struct variant's object, when `variant`).
pub(super) struct Entries<'e> {
    e: &'e mut Encoder,
    variant: bool,
}

impl Entries<'_> {
    fn close(self) -> Done {
        self.e.out.push(0);
        if self.variant {
            self.e.out.push(0);
        }
        Ok(())
    }

    fn field<T: ?Sized + Serialize>(&mut self, key: &str, value: &T) -> Done {
        self.e.word(key);
        value.serialize(Tree(&mut *self.e))
    }
}

impl ser::SerializeMap for Entries<'_> {
    type Ok = ();
    type Error = Unwritable;

    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Done {
        key.serialize(Key(&mut *self.e))
    }

    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Done {
        value.serialize(Tree(&mut *self.e))
    }

    fn end(self) -> Done {
        self.close()
    }
}

/// serde's two traits of a struct, each adding fields to an object.
macro_rules! fields {
    ($($trait:ident),*) => {$(
        impl ser::$trait for Entries<'_> {
            type Ok = ();
            type Error = Unwritable;

            fn serialize_field<T: ?Sized + Serialize>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Done {
                self.field(key, value)
            }

            fn end(self) -> Done {
                self.close()
            }
        }
    )*};
}

fields!(SerializeStruct, SerializeStructVariant);

/// Why a map's key of another kind cannot be written (nor by serde_json).
fn not_a_key() -> Unwritable {
    Unwritable("a map's key must be a text or a number".into())
}

/// Writes a map's key as a word: a text, or what serde_json turns into one
/// (a character, a number's or a boolean's text, a unit variant's name).
struct Key<'e>(&'e mut Encoder);

impl Key<'_> {
    fn word(self, v: &str) -> Done {
        self.0.word(v);
        Ok(())
    }

    fn refused() -> Done {
        Err(not_a_key())
    }

    /// A float key is its number's text, if it is finite.
    fn float(finite: bool, text: String) -> Result<String, Unwritable> {
        if finite {
            Ok(text)
        } else {
            Err(Unwritable("a map's key must be a finite number".into()))
        }
    }
}

/// A key that is a number: its decimal text.
macro_rules! number_keys {
    ($($method:ident: $t:ty),*) => {$(
        fn $method(self, v: $t) -> Done {
            self.word(&v.to_string())
        }
    )*};
}

impl ser::Serializer for Key<'_> {
    number_keys!(
        serialize_i8: i8,
        serialize_i16: i16,
        serialize_i32: i32,
        serialize_i64: i64,
        serialize_i128: i128,
        serialize_u8: u8,
        serialize_u16: u16,
        serialize_u32: u32,
        serialize_u64: u64,
        serialize_u128: u128
    );

    type Ok = ();
    type Error = Unwritable;
    type SerializeSeq = ser::Impossible<(), Unwritable>;
    type SerializeTuple = ser::Impossible<(), Unwritable>;
    type SerializeTupleStruct = ser::Impossible<(), Unwritable>;
    type SerializeTupleVariant = ser::Impossible<(), Unwritable>;
    type SerializeMap = ser::Impossible<(), Unwritable>;
    type SerializeStruct = ser::Impossible<(), Unwritable>;
    type SerializeStructVariant = ser::Impossible<(), Unwritable>;

    fn serialize_bool(self, v: bool) -> Done {
        self.word(if v { "true" } else { "false" })
    }

    fn serialize_f32(self, v: f32) -> Done {
        Self::float(v.is_finite(), json_text(&v)?).and_then(|t| self.word(&t))
    }

    fn serialize_f64(self, v: f64) -> Done {
        Self::float(v.is_finite(), json_text(&v)?).and_then(|t| self.word(&t))
    }

    fn serialize_char(self, v: char) -> Done {
        self.word(v.encode_utf8(&mut [0; 4]))
    }

    fn serialize_str(self, v: &str) -> Done {
        self.word(v)
    }

    fn serialize_bytes(self, _v: &[u8]) -> Done {
        Self::refused()
    }

    fn serialize_none(self) -> Done {
        Self::refused()
    }

    fn serialize_some<T: ?Sized + Serialize>(self, _value: &T) -> Done {
        Self::refused()
    }

    fn serialize_unit(self) -> Done {
        Self::refused()
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Done {
        Self::refused()
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Done {
        self.word(variant)
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Done {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Done {
        Self::refused()
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, Unwritable> {
        Err(not_a_key())
    }

    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, Unwritable> {
        Err(not_a_key())
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct, Unwritable> {
        Err(not_a_key())
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, Unwritable> {
        Err(not_a_key())
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, Unwritable> {
        Err(not_a_key())
    }

    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStruct, Unwritable> {
        Err(not_a_key())
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, Unwritable> {
        Err(not_a_key())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;
    use serde::Serialize;

    use super::super::{BillLineRow, BodyLine, EncodedBody};

    /// The body of `detail` written from its value and from its JSON text.
    fn both<T: Serialize>(detail: &T) -> (EncodedBody, EncodedBody) {
        let lines = std::iter::empty::<BodyLine<'_, (), ()>>();
        let from_value = EncodedBody::write(detail, lines).expect("written from the value");
        let text = serde_json::to_string(detail).expect("JSON");
        let from_text = EncodedBody::from_json(&text, &[]).expect("written from the text");
        (from_value, from_text)
    }

    #[derive(Serialize)]
    enum Shape {
        Unit,
        Newtype(i32),
        Tuple(u8, Option<&'static str>),
        Struct { a: f32, b: Vec<char> },
    }

    #[derive(Serialize)]
    struct Unit;

    #[derive(Serialize)]
    struct Wrapped(u16);

    #[derive(Serialize, PartialEq, Eq, PartialOrd, Ord)]
    #[serde(rename_all = "snake_case")]
    enum KeyName {
        VoiceNational,
    }

    #[derive(Serialize)]
    struct Everything {
        shapes: Vec<Shape>,
        unit: Unit,
        wrapped: Wrapped,
        nothing: Option<u8>,
        small: (i8, i16, i64, u32, u64),
        wide: (i128, i128, u128, u128),
        floats: (f64, f64, f64, f32, f32),
        #[serde(with = "serde_bytes_as_seq")]
        bytes: Vec<u8>,
        by_number: BTreeMap<i64, bool>,
        by_char: BTreeMap<char, ()>,
        by_bool: BTreeMap<bool, u8>,
        by_variant: BTreeMap<KeyName, u8>,
        by_float: FloatKeyed,
        text: &'static str,
    }

    /// A map keyed by floats (serde_json writes a key as the float's text).
    struct FloatKeyed;

    impl Serialize for FloatKeyed {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            use serde::ser::SerializeMap;
            let mut map = s.serialize_map(Some(2))?;
            map.serialize_entry(&1.5f64, &1u8)?;
            map.serialize_entry(&0.1f32, &2u8)?;
            map.end()
        }
    }

    /// Bytes given to the serializer as bytes (serde's `Vec<u8>` is a seq).
    mod serde_bytes_as_seq {
        pub fn serialize<S: serde::Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(v)
        }
    }

    #[test]
    fn every_shape_serde_has_is_written_as_its_json_reads() {
        let everything = Everything {
            shapes: vec![
                Shape::Unit,
                Shape::Newtype(-5),
                Shape::Tuple(7, None),
                Shape::Tuple(8, Some("ok")),
                Shape::Struct {
                    a: 0.1,
                    b: vec!['ž', '"'],
                },
            ],
            unit: Unit,
            wrapped: Wrapped(65_535),
            nothing: None,
            small: (i8::MIN, -1, i64::MIN, u32::MAX, u64::MAX),
            wide: (i128::from(i64::MIN) - 1, -3, u128::from(u64::MAX) + 1, 12),
            floats: (f64::NAN, f64::INFINITY, -0.0, 1e-7, f32::NEG_INFINITY),
            bytes: vec![0, 127, 128, 255],
            by_number: [(-1, true), (42, false)].into(),
            by_char: [('a', ()), ('ш', ())].into(),
            by_bool: [(false, 0), (true, 1)].into(),
            by_variant: [(KeyName::VoiceNational, 3)].into(),
            by_float: FloatKeyed,
            text: "tab\tquote\"\\ \u{1}",
        };
        let (from_value, from_text) = both(&everything);
        assert_eq!(from_value, from_text);
    }

    #[test]
    fn a_key_serde_json_refuses_is_refused() {
        let by_pair: BTreeMap<(u8, u8), u8> = [((1, 2), 3)].into();
        let lines = std::iter::empty::<BodyLine<'_, (), ()>>();
        assert!(EncodedBody::write(&by_pair, lines).is_err());
        assert!(serde_json::to_string(&by_pair).is_err());
    }

    #[test]
    fn lines_written_from_values_are_the_lines_of_their_json() {
        let vat = serde_json::json!({"split": {"internet_access": "0.40"}});
        let phrase = serde_json::json!({"id": "line-monthly-fee", "args": {"number": {"text": "+381641112233"}}});
        let rule = "BIL-1";
        let lines = vec![
            BodyLine {
                position: 0,
                contract_id: Some(3),
                kind: "subscription",
                description: "Mobile 1590",
                amount_minor: 159_000,
                vat: &vat,
                rule: Some(&rule as &dyn std::fmt::Display),
                category: None,
                phrase: Some(&phrase),
            },
            BodyLine {
                position: 1,
                contract_id: None,
                kind: "one_time",
                description: "Card activation",
                amount_minor: -20,
                vat: &vat,
                rule: None,
                category: Some(&"card_activation" as &dyn std::fmt::Display),
                phrase: None,
            },
        ];
        let rows: Vec<BillLineRow> = lines
            .iter()
            .map(|l| BillLineRow {
                bill_id: 0,
                position: l.position,
                contract_id: l.contract_id,
                kind: l.kind.into(),
                description: l.description.into(),
                amount_minor: l.amount_minor,
                vat: l.vat.to_string(),
                rule: l.rule.map(ToString::to_string),
                category: l.category.map(ToString::to_string),
                phrase: l.phrase.map(ToString::to_string),
            })
            .collect();
        let detail = serde_json::json!({"owner": null});
        let written = EncodedBody::write(&detail, lines.into_iter()).expect("written");
        assert_eq!(written.line_count(), 2);
        assert_eq!(
            written,
            EncodedBody::from_json(&detail.to_string(), &rows).expect("from JSON")
        );
    }

    fn json() -> impl Strategy<Value = serde_json::Value> {
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::Bool),
            any::<i64>().prop_map(serde_json::Value::from),
            any::<u64>().prop_map(serde_json::Value::from),
            any::<f64>().prop_map(serde_json::Value::from),
            "[a-z0-9 \\\"ćž\u{1}-\u{7f}]{0,12}".prop_map(serde_json::Value::from),
        ];
        leaf.prop_recursive(4, 64, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
                prop::collection::vec(("[a-z_]{0,8}", inner), 0..6).prop_map(|entries| {
                    serde_json::Value::Object(entries.into_iter().collect())
                }),
            ]
        })
    }

    proptest! {
        #[test]
        fn any_json_value_is_written_as_its_text_reads(value in json()) {
            let (from_value, from_text) = both(&value);
            prop_assert_eq!(from_value, from_text);
        }
    }
}
