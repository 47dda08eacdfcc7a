// @generated from the OpenAPI spec by build.rs; do not edit.
#[allow(unused_imports)]
pub use progenitor_client::{ByteStream, ClientInfo, Error, ResponseValue};
#[allow(unused_imports)]
use progenitor_client::{encode_path, ClientHooks, OperationInfo, RequestBuilderExt};
/// Types used as operation parameters and responses.
#[allow(clippy::all)]
pub mod types {
    ///`CountUsingGetXRequestId`
    #[derive(::serde::Serialize, Clone, Debug, Eq, Hash, Ord, PartialEq, PartialOrd)]
    #[serde(transparent)]
    pub struct CountUsingGetXRequestId(::std::string::String);
    impl ::std::ops::Deref for CountUsingGetXRequestId {
        type Target = ::std::string::String;
        fn deref(&self) -> &::std::string::String {
            &self.0
        }
    }
    impl ::std::convert::From<CountUsingGetXRequestId> for ::std::string::String {
        fn from(value: CountUsingGetXRequestId) -> Self {
            value.0
        }
    }
    impl ::std::str::FromStr for CountUsingGetXRequestId {
        type Err = self::error::ConversionError;
        fn from_str(
            value: &str,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            if value.chars().count() > 128usize {
                return Err("longer than 128 characters".into());
            }
            Ok(Self(value.to_string()))
        }
    }
    impl ::std::convert::TryFrom<&str> for CountUsingGetXRequestId {
        type Error = self::error::ConversionError;
        fn try_from(
            value: &str,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            value.parse()
        }
    }
    impl ::std::convert::TryFrom<::std::string::String> for CountUsingGetXRequestId {
        type Error = self::error::ConversionError;
        fn try_from(
            value: ::std::string::String,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            value.parse()
        }
    }
    impl<'de> ::serde::Deserialize<'de> for CountUsingGetXRequestId {
        fn deserialize<D>(deserializer: D) -> ::std::result::Result<Self, D::Error>
        where
            D: ::serde::Deserializer<'de>,
        {
            ::std::string::String::deserialize(deserializer)?
                .parse()
                .map_err(|e: self::error::ConversionError| {
                    <D::Error as ::serde::de::Error>::custom(e.to_string())
                })
        }
    }
    ///`CreateUsingPostXRequestId`
    #[derive(::serde::Serialize, Clone, Debug, Eq, Hash, Ord, PartialEq, PartialOrd)]
    #[serde(transparent)]
    pub struct CreateUsingPostXRequestId(::std::string::String);
    impl ::std::ops::Deref for CreateUsingPostXRequestId {
        type Target = ::std::string::String;
        fn deref(&self) -> &::std::string::String {
            &self.0
        }
    }
    impl ::std::convert::From<CreateUsingPostXRequestId> for ::std::string::String {
        fn from(value: CreateUsingPostXRequestId) -> Self {
            value.0
        }
    }
    impl ::std::str::FromStr for CreateUsingPostXRequestId {
        type Err = self::error::ConversionError;
        fn from_str(
            value: &str,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            if value.chars().count() > 128usize {
                return Err("longer than 128 characters".into());
            }
            Ok(Self(value.to_string()))
        }
    }
    impl ::std::convert::TryFrom<&str> for CreateUsingPostXRequestId {
        type Error = self::error::ConversionError;
        fn try_from(
            value: &str,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            value.parse()
        }
    }
    impl ::std::convert::TryFrom<::std::string::String> for CreateUsingPostXRequestId {
        type Error = self::error::ConversionError;
        fn try_from(
            value: ::std::string::String,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            value.parse()
        }
    }
    impl<'de> ::serde::Deserialize<'de> for CreateUsingPostXRequestId {
        fn deserialize<D>(deserializer: D) -> ::std::result::Result<Self, D::Error>
        where
            D: ::serde::Deserializer<'de>,
        {
            ::std::string::String::deserialize(deserializer)?
                .parse()
                .map_err(|e: self::error::ConversionError| {
                    <D::Error as ::serde::de::Error>::custom(e.to_string())
                })
        }
    }
    ///`DeleteAllUsingDeleteXRequestId`
    #[derive(::serde::Serialize, Clone, Debug, Eq, Hash, Ord, PartialEq, PartialOrd)]
    #[serde(transparent)]
    pub struct DeleteAllUsingDeleteXRequestId(::std::string::String);
    impl ::std::ops::Deref for DeleteAllUsingDeleteXRequestId {
        type Target = ::std::string::String;
        fn deref(&self) -> &::std::string::String {
            &self.0
        }
    }
    impl ::std::convert::From<DeleteAllUsingDeleteXRequestId> for ::std::string::String {
        fn from(value: DeleteAllUsingDeleteXRequestId) -> Self {
            value.0
        }
    }
    impl ::std::str::FromStr for DeleteAllUsingDeleteXRequestId {
        type Err = self::error::ConversionError;
        fn from_str(
            value: &str,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            if value.chars().count() > 128usize {
                return Err("longer than 128 characters".into());
            }
            Ok(Self(value.to_string()))
        }
    }
    impl ::std::convert::TryFrom<&str> for DeleteAllUsingDeleteXRequestId {
        type Error = self::error::ConversionError;
        fn try_from(
            value: &str,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            value.parse()
        }
    }
    impl ::std::convert::TryFrom<::std::string::String>
    for DeleteAllUsingDeleteXRequestId {
        type Error = self::error::ConversionError;
        fn try_from(
            value: ::std::string::String,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            value.parse()
        }
    }
    impl<'de> ::serde::Deserialize<'de> for DeleteAllUsingDeleteXRequestId {
        fn deserialize<D>(deserializer: D) -> ::std::result::Result<Self, D::Error>
        where
            D: ::serde::Deserializer<'de>,
        {
            ::std::string::String::deserialize(deserializer)?
                .parse()
                .map_err(|e: self::error::ConversionError| {
                    <D::Error as ::serde::de::Error>::custom(e.to_string())
                })
        }
    }
    ///`DeleteUsingDeleteXRequestId`
    #[derive(::serde::Serialize, Clone, Debug, Eq, Hash, Ord, PartialEq, PartialOrd)]
    #[serde(transparent)]
    pub struct DeleteUsingDeleteXRequestId(::std::string::String);
    impl ::std::ops::Deref for DeleteUsingDeleteXRequestId {
        type Target = ::std::string::String;
        fn deref(&self) -> &::std::string::String {
            &self.0
        }
    }
    impl ::std::convert::From<DeleteUsingDeleteXRequestId> for ::std::string::String {
        fn from(value: DeleteUsingDeleteXRequestId) -> Self {
            value.0
        }
    }
    impl ::std::str::FromStr for DeleteUsingDeleteXRequestId {
        type Err = self::error::ConversionError;
        fn from_str(
            value: &str,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            if value.chars().count() > 128usize {
                return Err("longer than 128 characters".into());
            }
            Ok(Self(value.to_string()))
        }
    }
    impl ::std::convert::TryFrom<&str> for DeleteUsingDeleteXRequestId {
        type Error = self::error::ConversionError;
        fn try_from(
            value: &str,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            value.parse()
        }
    }
    impl ::std::convert::TryFrom<::std::string::String> for DeleteUsingDeleteXRequestId {
        type Error = self::error::ConversionError;
        fn try_from(
            value: ::std::string::String,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            value.parse()
        }
    }
    impl<'de> ::serde::Deserialize<'de> for DeleteUsingDeleteXRequestId {
        fn deserialize<D>(deserializer: D) -> ::std::result::Result<Self, D::Error>
        where
            D: ::serde::Deserializer<'de>,
        {
            ::std::string::String::deserialize(deserializer)?
                .parse()
                .map_err(|e: self::error::ConversionError| {
                    <D::Error as ::serde::de::Error>::custom(e.to_string())
                })
        }
    }
    ///`DeltaUpdateUsingPatchXRequestId`
    #[derive(::serde::Serialize, Clone, Debug, Eq, Hash, Ord, PartialEq, PartialOrd)]
    #[serde(transparent)]
    pub struct DeltaUpdateUsingPatchXRequestId(::std::string::String);
    impl ::std::ops::Deref for DeltaUpdateUsingPatchXRequestId {
        type Target = ::std::string::String;
        fn deref(&self) -> &::std::string::String {
            &self.0
        }
    }
    impl ::std::convert::From<DeltaUpdateUsingPatchXRequestId>
    for ::std::string::String {
        fn from(value: DeltaUpdateUsingPatchXRequestId) -> Self {
            value.0
        }
    }
    impl ::std::str::FromStr for DeltaUpdateUsingPatchXRequestId {
        type Err = self::error::ConversionError;
        fn from_str(
            value: &str,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            if value.chars().count() > 128usize {
                return Err("longer than 128 characters".into());
            }
            Ok(Self(value.to_string()))
        }
    }
    impl ::std::convert::TryFrom<&str> for DeltaUpdateUsingPatchXRequestId {
        type Error = self::error::ConversionError;
        fn try_from(
            value: &str,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            value.parse()
        }
    }
    impl ::std::convert::TryFrom<::std::string::String>
    for DeltaUpdateUsingPatchXRequestId {
        type Error = self::error::ConversionError;
        fn try_from(
            value: ::std::string::String,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            value.parse()
        }
    }
    impl<'de> ::serde::Deserialize<'de> for DeltaUpdateUsingPatchXRequestId {
        fn deserialize<D>(deserializer: D) -> ::std::result::Result<Self, D::Error>
        where
            D: ::serde::Deserializer<'de>,
        {
            ::std::string::String::deserialize(deserializer)?
                .parse()
                .map_err(|e: self::error::ConversionError| {
                    <D::Error as ::serde::de::Error>::custom(e.to_string())
                })
        }
    }
    ///`FieldError`
    #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug, PartialEq)]
    pub struct FieldError {
        pub field: ::std::string::String,
        pub message: ::std::string::String,
    }
    impl FieldError {
        pub fn builder() -> builder::FieldError {
            Default::default()
        }
    }
    ///`FindAllUsingGetXRequestId`
    #[derive(::serde::Serialize, Clone, Debug, Eq, Hash, Ord, PartialEq, PartialOrd)]
    #[serde(transparent)]
    pub struct FindAllUsingGetXRequestId(::std::string::String);
    impl ::std::ops::Deref for FindAllUsingGetXRequestId {
        type Target = ::std::string::String;
        fn deref(&self) -> &::std::string::String {
            &self.0
        }
    }
    impl ::std::convert::From<FindAllUsingGetXRequestId> for ::std::string::String {
        fn from(value: FindAllUsingGetXRequestId) -> Self {
            value.0
        }
    }
    impl ::std::str::FromStr for FindAllUsingGetXRequestId {
        type Err = self::error::ConversionError;
        fn from_str(
            value: &str,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            if value.chars().count() > 128usize {
                return Err("longer than 128 characters".into());
            }
            Ok(Self(value.to_string()))
        }
    }
    impl ::std::convert::TryFrom<&str> for FindAllUsingGetXRequestId {
        type Error = self::error::ConversionError;
        fn try_from(
            value: &str,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            value.parse()
        }
    }
    impl ::std::convert::TryFrom<::std::string::String> for FindAllUsingGetXRequestId {
        type Error = self::error::ConversionError;
        fn try_from(
            value: ::std::string::String,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            value.parse()
        }
    }
    impl<'de> ::serde::Deserialize<'de> for FindAllUsingGetXRequestId {
        fn deserialize<D>(deserializer: D) -> ::std::result::Result<Self, D::Error>
        where
            D: ::serde::Deserializer<'de>,
        {
            ::std::string::String::deserialize(deserializer)?
                .parse()
                .map_err(|e: self::error::ConversionError| {
                    <D::Error as ::serde::de::Error>::custom(e.to_string())
                })
        }
    }
    ///`Person`
    #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug, Default, PartialEq)]
    pub struct Person {
        ///City Name
        #[serde(skip_serializing_if = "::std::option::Option::is_none")]
        pub city: ::std::option::Option<::std::string::String>,
        ///Name of the Country
        #[serde(skip_serializing_if = "::std::option::Option::is_none")]
        pub country: ::std::option::Option<::std::string::String>,
        ///Arbitrary json key value pairs
        #[serde(
            rename = "extensionFields",
            skip_serializing_if = "::std::option::Option::is_none"
        )]
        pub extension_fields: ::std::option::Option<
            ::serde_json::Map<::std::string::String, ::serde_json::Value>,
        >,
        ///First Name of the Person
        #[serde(
            rename = "firstName",
            skip_serializing_if = "::std::option::Option::is_none"
        )]
        pub first_name: ::std::option::Option<::std::string::String>,
        ///House Number
        #[serde(
            rename = "houseNumber",
            skip_serializing_if = "::std::option::Option::is_none"
        )]
        pub house_number: ::std::option::Option<::std::string::String>,
        ///Unique MongoDB identifier
        #[serde(skip_serializing_if = "::std::option::Option::is_none")]
        pub id: ::std::option::Option<::std::string::String>,
        ///Last Name of the Person
        #[serde(
            rename = "lastName",
            skip_serializing_if = "::std::option::Option::is_none"
        )]
        pub last_name: ::std::option::Option<::std::string::String>,
        ///Street name w/o house number
        #[serde(
            rename = "streetAddress",
            skip_serializing_if = "::std::option::Option::is_none"
        )]
        pub street_address: ::std::option::Option<::std::string::String>,
        ///ZIP Code
        #[serde(skip_serializing_if = "::std::option::Option::is_none")]
        pub zip: ::std::option::Option<::std::string::String>,
    }
    impl Person {
        pub fn builder() -> builder::Person {
            Default::default()
        }
    }
    ///`{"personCount": n}`
    #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug, PartialEq)]
    #[serde(transparent)]
    pub struct PersonCount(pub ::std::collections::HashMap<::std::string::String, i64>);
    impl ::std::ops::Deref for PersonCount {
        type Target = ::std::collections::HashMap<::std::string::String, i64>;
        fn deref(&self) -> &::std::collections::HashMap<::std::string::String, i64> {
            &self.0
        }
    }
    impl ::std::convert::From<PersonCount>
    for ::std::collections::HashMap<::std::string::String, i64> {
        fn from(value: PersonCount) -> Self {
            value.0
        }
    }
    impl ::std::convert::From<::std::collections::HashMap<::std::string::String, i64>>
    for PersonCount {
        fn from(value: ::std::collections::HashMap<::std::string::String, i64>) -> Self {
            Self(value)
        }
    }
    ///RFC 9457 problem details, with the request id of the failed request.
    #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug, PartialEq)]
    pub struct Problem {
        ///Explanation specific to this occurrence
        #[serde(skip_serializing_if = "::std::option::Option::is_none")]
        pub detail: ::std::option::Option<::std::string::String>,
        ///Field-level validation errors
        #[serde(default, skip_serializing_if = "::std::vec::Vec::is_empty")]
        pub errors: ::std::vec::Vec<FieldError>,
        ///The request path
        #[serde(skip_serializing_if = "::std::option::Option::is_none")]
        pub instance: ::std::option::Option<::std::string::String>,
        ///Human-readable message, as the original service answered (same as detail)
        #[serde(skip_serializing_if = "::std::option::Option::is_none")]
        pub message: ::std::option::Option<::std::string::String>,
        ///The x-request-id of the failed request
        #[serde(
            rename = "requestId",
            skip_serializing_if = "::std::option::Option::is_none"
        )]
        pub request_id: ::std::option::Option<::std::string::String>,
        pub status: i32,
        ///Short summary of the problem type
        pub title: ::std::string::String,
        ///URI reference identifying the problem type
        #[serde(rename = "type")]
        pub type_: ::std::string::String,
    }
    impl Problem {
        pub fn builder() -> builder::Problem {
            Default::default()
        }
    }
    ///`ReadUsingGetXRequestId`
    #[derive(::serde::Serialize, Clone, Debug, Eq, Hash, Ord, PartialEq, PartialOrd)]
    #[serde(transparent)]
    pub struct ReadUsingGetXRequestId(::std::string::String);
    impl ::std::ops::Deref for ReadUsingGetXRequestId {
        type Target = ::std::string::String;
        fn deref(&self) -> &::std::string::String {
            &self.0
        }
    }
    impl ::std::convert::From<ReadUsingGetXRequestId> for ::std::string::String {
        fn from(value: ReadUsingGetXRequestId) -> Self {
            value.0
        }
    }
    impl ::std::str::FromStr for ReadUsingGetXRequestId {
        type Err = self::error::ConversionError;
        fn from_str(
            value: &str,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            if value.chars().count() > 128usize {
                return Err("longer than 128 characters".into());
            }
            Ok(Self(value.to_string()))
        }
    }
    impl ::std::convert::TryFrom<&str> for ReadUsingGetXRequestId {
        type Error = self::error::ConversionError;
        fn try_from(
            value: &str,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            value.parse()
        }
    }
    impl ::std::convert::TryFrom<::std::string::String> for ReadUsingGetXRequestId {
        type Error = self::error::ConversionError;
        fn try_from(
            value: ::std::string::String,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            value.parse()
        }
    }
    impl<'de> ::serde::Deserialize<'de> for ReadUsingGetXRequestId {
        fn deserialize<D>(deserializer: D) -> ::std::result::Result<Self, D::Error>
        where
            D: ::serde::Deserializer<'de>,
        {
            ::std::string::String::deserialize(deserializer)?
                .parse()
                .map_err(|e: self::error::ConversionError| {
                    <D::Error as ::serde::de::Error>::custom(e.to_string())
                })
        }
    }
    ///`SearchUsingPostXRequestId`
    #[derive(::serde::Serialize, Clone, Debug, Eq, Hash, Ord, PartialEq, PartialOrd)]
    #[serde(transparent)]
    pub struct SearchUsingPostXRequestId(::std::string::String);
    impl ::std::ops::Deref for SearchUsingPostXRequestId {
        type Target = ::std::string::String;
        fn deref(&self) -> &::std::string::String {
            &self.0
        }
    }
    impl ::std::convert::From<SearchUsingPostXRequestId> for ::std::string::String {
        fn from(value: SearchUsingPostXRequestId) -> Self {
            value.0
        }
    }
    impl ::std::str::FromStr for SearchUsingPostXRequestId {
        type Err = self::error::ConversionError;
        fn from_str(
            value: &str,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            if value.chars().count() > 128usize {
                return Err("longer than 128 characters".into());
            }
            Ok(Self(value.to_string()))
        }
    }
    impl ::std::convert::TryFrom<&str> for SearchUsingPostXRequestId {
        type Error = self::error::ConversionError;
        fn try_from(
            value: &str,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            value.parse()
        }
    }
    impl ::std::convert::TryFrom<::std::string::String> for SearchUsingPostXRequestId {
        type Error = self::error::ConversionError;
        fn try_from(
            value: ::std::string::String,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            value.parse()
        }
    }
    impl<'de> ::serde::Deserialize<'de> for SearchUsingPostXRequestId {
        fn deserialize<D>(deserializer: D) -> ::std::result::Result<Self, D::Error>
        where
            D: ::serde::Deserializer<'de>,
        {
            ::std::string::String::deserialize(deserializer)?
                .parse()
                .map_err(|e: self::error::ConversionError| {
                    <D::Error as ::serde::de::Error>::custom(e.to_string())
                })
        }
    }
    ///`UpsertUsingPutXRequestId`
    #[derive(::serde::Serialize, Clone, Debug, Eq, Hash, Ord, PartialEq, PartialOrd)]
    #[serde(transparent)]
    pub struct UpsertUsingPutXRequestId(::std::string::String);
    impl ::std::ops::Deref for UpsertUsingPutXRequestId {
        type Target = ::std::string::String;
        fn deref(&self) -> &::std::string::String {
            &self.0
        }
    }
    impl ::std::convert::From<UpsertUsingPutXRequestId> for ::std::string::String {
        fn from(value: UpsertUsingPutXRequestId) -> Self {
            value.0
        }
    }
    impl ::std::str::FromStr for UpsertUsingPutXRequestId {
        type Err = self::error::ConversionError;
        fn from_str(
            value: &str,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            if value.chars().count() > 128usize {
                return Err("longer than 128 characters".into());
            }
            Ok(Self(value.to_string()))
        }
    }
    impl ::std::convert::TryFrom<&str> for UpsertUsingPutXRequestId {
        type Error = self::error::ConversionError;
        fn try_from(
            value: &str,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            value.parse()
        }
    }
    impl ::std::convert::TryFrom<::std::string::String> for UpsertUsingPutXRequestId {
        type Error = self::error::ConversionError;
        fn try_from(
            value: ::std::string::String,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            value.parse()
        }
    }
    impl<'de> ::serde::Deserialize<'de> for UpsertUsingPutXRequestId {
        fn deserialize<D>(deserializer: D) -> ::std::result::Result<Self, D::Error>
        where
            D: ::serde::Deserializer<'de>,
        {
            ::std::string::String::deserialize(deserializer)?
                .parse()
                .map_err(|e: self::error::ConversionError| {
                    <D::Error as ::serde::de::Error>::custom(e.to_string())
                })
        }
    }
    /// Types for composing complex structures.
    pub mod builder {
        #[derive(Clone, Debug)]
        pub struct FieldError {
            field: ::std::result::Result<::std::string::String, ::std::string::String>,
            message: ::std::result::Result<::std::string::String, ::std::string::String>,
        }
        impl ::std::default::Default for FieldError {
            fn default() -> Self {
                Self {
                    field: Err("no value supplied for field".to_string()),
                    message: Err("no value supplied for message".to_string()),
                }
            }
        }
        impl FieldError {
            pub fn field<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::string::String>,
                T::Error: ::std::fmt::Display,
            {
                self.field = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for field: {e}")
                    });
                self
            }
            pub fn message<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::string::String>,
                T::Error: ::std::fmt::Display,
            {
                self.message = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for message: {e}")
                    });
                self
            }
        }
        impl ::std::convert::TryFrom<FieldError> for super::FieldError {
            type Error = super::error::ConversionError;
            fn try_from(
                value: FieldError,
            ) -> ::std::result::Result<Self, super::error::ConversionError> {
                Ok(Self {
                    field: value.field?,
                    message: value.message?,
                })
            }
        }
        impl ::std::convert::From<super::FieldError> for FieldError {
            fn from(value: super::FieldError) -> Self {
                Self {
                    field: Ok(value.field),
                    message: Ok(value.message),
                }
            }
        }
        #[derive(Clone, Debug)]
        pub struct Person {
            city: ::std::result::Result<
                ::std::option::Option<::std::string::String>,
                ::std::string::String,
            >,
            country: ::std::result::Result<
                ::std::option::Option<::std::string::String>,
                ::std::string::String,
            >,
            extension_fields: ::std::result::Result<
                ::std::option::Option<
                    ::serde_json::Map<::std::string::String, ::serde_json::Value>,
                >,
                ::std::string::String,
            >,
            first_name: ::std::result::Result<
                ::std::option::Option<::std::string::String>,
                ::std::string::String,
            >,
            house_number: ::std::result::Result<
                ::std::option::Option<::std::string::String>,
                ::std::string::String,
            >,
            id: ::std::result::Result<
                ::std::option::Option<::std::string::String>,
                ::std::string::String,
            >,
            last_name: ::std::result::Result<
                ::std::option::Option<::std::string::String>,
                ::std::string::String,
            >,
            street_address: ::std::result::Result<
                ::std::option::Option<::std::string::String>,
                ::std::string::String,
            >,
            zip: ::std::result::Result<
                ::std::option::Option<::std::string::String>,
                ::std::string::String,
            >,
        }
        impl ::std::default::Default for Person {
            fn default() -> Self {
                Self {
                    city: Ok(Default::default()),
                    country: Ok(Default::default()),
                    extension_fields: Ok(Default::default()),
                    first_name: Ok(Default::default()),
                    house_number: Ok(Default::default()),
                    id: Ok(Default::default()),
                    last_name: Ok(Default::default()),
                    street_address: Ok(Default::default()),
                    zip: Ok(Default::default()),
                }
            }
        }
        impl Person {
            pub fn city<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::option::Option<::std::string::String>>,
                T::Error: ::std::fmt::Display,
            {
                self.city = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for city: {e}")
                    });
                self
            }
            pub fn country<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::option::Option<::std::string::String>>,
                T::Error: ::std::fmt::Display,
            {
                self.country = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for country: {e}")
                    });
                self
            }
            pub fn extension_fields<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<
                    ::std::option::Option<
                        ::serde_json::Map<::std::string::String, ::serde_json::Value>,
                    >,
                >,
                T::Error: ::std::fmt::Display,
            {
                self.extension_fields = value
                    .try_into()
                    .map_err(|e| {
                        format!(
                            "error converting supplied value for extension_fields: {e}"
                        )
                    });
                self
            }
            pub fn first_name<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::option::Option<::std::string::String>>,
                T::Error: ::std::fmt::Display,
            {
                self.first_name = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for first_name: {e}")
                    });
                self
            }
            pub fn house_number<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::option::Option<::std::string::String>>,
                T::Error: ::std::fmt::Display,
            {
                self.house_number = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for house_number: {e}")
                    });
                self
            }
            pub fn id<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::option::Option<::std::string::String>>,
                T::Error: ::std::fmt::Display,
            {
                self.id = value
                    .try_into()
                    .map_err(|e| format!("error converting supplied value for id: {e}"));
                self
            }
            pub fn last_name<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::option::Option<::std::string::String>>,
                T::Error: ::std::fmt::Display,
            {
                self.last_name = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for last_name: {e}")
                    });
                self
            }
            pub fn street_address<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::option::Option<::std::string::String>>,
                T::Error: ::std::fmt::Display,
            {
                self.street_address = value
                    .try_into()
                    .map_err(|e| {
                        format!(
                            "error converting supplied value for street_address: {e}"
                        )
                    });
                self
            }
            pub fn zip<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::option::Option<::std::string::String>>,
                T::Error: ::std::fmt::Display,
            {
                self.zip = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for zip: {e}")
                    });
                self
            }
        }
        impl ::std::convert::TryFrom<Person> for super::Person {
            type Error = super::error::ConversionError;
            fn try_from(
                value: Person,
            ) -> ::std::result::Result<Self, super::error::ConversionError> {
                Ok(Self {
                    city: value.city?,
                    country: value.country?,
                    extension_fields: value.extension_fields?,
                    first_name: value.first_name?,
                    house_number: value.house_number?,
                    id: value.id?,
                    last_name: value.last_name?,
                    street_address: value.street_address?,
                    zip: value.zip?,
                })
            }
        }
        impl ::std::convert::From<super::Person> for Person {
            fn from(value: super::Person) -> Self {
                Self {
                    city: Ok(value.city),
                    country: Ok(value.country),
                    extension_fields: Ok(value.extension_fields),
                    first_name: Ok(value.first_name),
                    house_number: Ok(value.house_number),
                    id: Ok(value.id),
                    last_name: Ok(value.last_name),
                    street_address: Ok(value.street_address),
                    zip: Ok(value.zip),
                }
            }
        }
        #[derive(Clone, Debug)]
        pub struct Problem {
            detail: ::std::result::Result<
                ::std::option::Option<::std::string::String>,
                ::std::string::String,
            >,
            errors: ::std::result::Result<
                ::std::vec::Vec<super::FieldError>,
                ::std::string::String,
            >,
            instance: ::std::result::Result<
                ::std::option::Option<::std::string::String>,
                ::std::string::String,
            >,
            message: ::std::result::Result<
                ::std::option::Option<::std::string::String>,
                ::std::string::String,
            >,
            request_id: ::std::result::Result<
                ::std::option::Option<::std::string::String>,
                ::std::string::String,
            >,
            status: ::std::result::Result<i32, ::std::string::String>,
            title: ::std::result::Result<::std::string::String, ::std::string::String>,
            type_: ::std::result::Result<::std::string::String, ::std::string::String>,
        }
        impl ::std::default::Default for Problem {
            fn default() -> Self {
                Self {
                    detail: Ok(Default::default()),
                    errors: Ok(Default::default()),
                    instance: Ok(Default::default()),
                    message: Ok(Default::default()),
                    request_id: Ok(Default::default()),
                    status: Err("no value supplied for status".to_string()),
                    title: Err("no value supplied for title".to_string()),
                    type_: Err("no value supplied for type_".to_string()),
                }
            }
        }
        impl Problem {
            pub fn detail<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::option::Option<::std::string::String>>,
                T::Error: ::std::fmt::Display,
            {
                self.detail = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for detail: {e}")
                    });
                self
            }
            pub fn errors<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::vec::Vec<super::FieldError>>,
                T::Error: ::std::fmt::Display,
            {
                self.errors = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for errors: {e}")
                    });
                self
            }
            pub fn instance<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::option::Option<::std::string::String>>,
                T::Error: ::std::fmt::Display,
            {
                self.instance = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for instance: {e}")
                    });
                self
            }
            pub fn message<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::option::Option<::std::string::String>>,
                T::Error: ::std::fmt::Display,
            {
                self.message = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for message: {e}")
                    });
                self
            }
            pub fn request_id<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::option::Option<::std::string::String>>,
                T::Error: ::std::fmt::Display,
            {
                self.request_id = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for request_id: {e}")
                    });
                self
            }
            pub fn status<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<i32>,
                T::Error: ::std::fmt::Display,
            {
                self.status = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for status: {e}")
                    });
                self
            }
            pub fn title<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::string::String>,
                T::Error: ::std::fmt::Display,
            {
                self.title = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for title: {e}")
                    });
                self
            }
            pub fn type_<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::string::String>,
                T::Error: ::std::fmt::Display,
            {
                self.type_ = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for type_: {e}")
                    });
                self
            }
        }
        impl ::std::convert::TryFrom<Problem> for super::Problem {
            type Error = super::error::ConversionError;
            fn try_from(
                value: Problem,
            ) -> ::std::result::Result<Self, super::error::ConversionError> {
                Ok(Self {
                    detail: value.detail?,
                    errors: value.errors?,
                    instance: value.instance?,
                    message: value.message?,
                    request_id: value.request_id?,
                    status: value.status?,
                    title: value.title?,
                    type_: value.type_?,
                })
            }
        }
        impl ::std::convert::From<super::Problem> for Problem {
            fn from(value: super::Problem) -> Self {
                Self {
                    detail: Ok(value.detail),
                    errors: Ok(value.errors),
                    instance: Ok(value.instance),
                    message: Ok(value.message),
                    request_id: Ok(value.request_id),
                    status: Ok(value.status),
                    title: Ok(value.title),
                    type_: Ok(value.type_),
                }
            }
        }
    }
    /// Error types.
    pub mod error {
        /// Error from a `TryFrom` or `FromStr` implementation.
        pub struct ConversionError(::std::borrow::Cow<'static, str>);
        impl ::std::error::Error for ConversionError {}
        impl ::std::fmt::Display for ConversionError {
            fn fmt(
                &self,
                f: &mut ::std::fmt::Formatter<'_>,
            ) -> Result<(), ::std::fmt::Error> {
                ::std::fmt::Display::fmt(&self.0, f)
            }
        }
        impl ::std::fmt::Debug for ConversionError {
            fn fmt(
                &self,
                f: &mut ::std::fmt::Formatter<'_>,
            ) -> Result<(), ::std::fmt::Error> {
                ::std::fmt::Debug::fmt(&self.0, f)
            }
        }
        impl From<&'static str> for ConversionError {
            fn from(value: &'static str) -> Self {
                Self(value.into())
            }
        }
        impl From<String> for ConversionError {
            fn from(value: String) -> Self {
                Self(value.into())
            }
        }
    }
}
#[derive(Clone, Debug)]
/**Client for Contact Service API

API that allows to perform CRUD operations for contact information stored in a DB.

Version: 1.0*/
pub struct Client {
    pub(crate) baseurl: String,
    pub(crate) client: reqwest::Client,
    pub(crate) inner: crate::ClientAuth,
}
impl Client {
    /// Create a new client.
    ///
    /// `baseurl` is the base URL provided to the internal
    /// `reqwest::Client`, and should include a scheme and hostname,
    /// as well as port and a path stem if applicable.
    pub fn new(baseurl: &str, inner: crate::ClientAuth) -> Self {
        #[cfg(not(target_arch = "wasm32"))]
        let client = {
            let dur = ::std::time::Duration::from_secs(15u64);
            reqwest::ClientBuilder::new().connect_timeout(dur).timeout(dur)
        };
        #[cfg(target_arch = "wasm32")]
        let client = reqwest::ClientBuilder::new();
        Self::new_with_client(baseurl, client.build().unwrap(), inner)
    }
    /// Construct a new client with an existing `reqwest::Client`,
    /// allowing more control over its configuration.
    ///
    /// `baseurl` is the base URL provided to the internal
    /// `reqwest::Client`, and should include a scheme and hostname,
    /// as well as port and a path stem if applicable.
    pub fn new_with_client(
        baseurl: &str,
        client: reqwest::Client,
        inner: crate::ClientAuth,
    ) -> Self {
        Self {
            baseurl: baseurl.to_string(),
            client,
            inner,
        }
    }
}
impl ClientInfo<crate::ClientAuth> for Client {
    fn api_version() -> &'static str {
        "1.0"
    }
    fn baseurl(&self) -> &str {
        self.baseurl.as_str()
    }
    fn client(&self) -> &reqwest::Client {
        &self.client
    }
    fn inner(&self) -> &crate::ClientAuth {
        &self.inner
    }
}
impl ClientHooks<crate::ClientAuth> for &Client {}
impl Client {
    /**Get Person List

This function retrieves all persons from the Database. With both `page` (0-based) and `size` it returns that page only.

Sends a `GET` request to `/api/v1/person`

Arguments:
- `page`: page
- `size`: size
- `x_request_id`: Correlation id; echoed on the response and carried into logs and events. Generated when absent.
```ignore
let response = client.find_all_using_get()
    .page(page)
    .size(size)
    .x_request_id(x_request_id)
    .send()
    .await;
```*/
    pub fn find_all_using_get(&self) -> builder::FindAllUsingGet<'_> {
        builder::FindAllUsingGet::new(self)
    }
    /**Create Person

This function creates a new person entry on the DB.Externally supplied ids are ignored.

Sends a `POST` request to `/api/v1/person`

Arguments:
- `x_request_id`: Correlation id; echoed on the response and carried into logs and events. Generated when absent.
- `body`
```ignore
let response = client.create_using_post()
    .x_request_id(x_request_id)
    .body(body)
    .send()
    .await;
```*/
    pub fn create_using_post(&self) -> builder::CreateUsingPost<'_> {
        builder::CreateUsingPost::new(self)
    }
    /**Delete all Persons in DB

This function deletes all persons from the database, one by one, each with its own delete event.

Sends a `DELETE` request to `/api/v1/person`

Arguments:
- `x_request_id`: Correlation id; echoed on the response and carried into logs and events. Generated when absent.
```ignore
let response = client.delete_all_using_delete()
    .x_request_id(x_request_id)
    .send()
    .await;
```*/
    pub fn delete_all_using_delete(&self) -> builder::DeleteAllUsingDelete<'_> {
        builder::DeleteAllUsingDelete::new(self)
    }
    /**Number of Persons

This function retrieves the amount of persons contained in the database

Sends a `GET` request to `/api/v1/person/count`

Arguments:
- `x_request_id`: Correlation id; echoed on the response and carried into logs and events. Generated when absent.
```ignore
let response = client.count_using_get()
    .x_request_id(x_request_id)
    .send()
    .await;
```*/
    pub fn count_using_get(&self) -> builder::CountUsingGet<'_> {
        builder::CountUsingGet::new(self)
    }
    /**Search for People

This function performs a people search in the database, and returns the persons that meet the criteria specified in the request.

Sends a `POST` request to `/api/v1/person/search`

Arguments:
- `page`: page
- `size`: size
- `x_request_id`: Correlation id; echoed on the response and carried into logs and events. Generated when absent.
- `body`
```ignore
let response = client.search_using_post()
    .page(page)
    .size(size)
    .x_request_id(x_request_id)
    .body(body)
    .send()
    .await;
```*/
    pub fn search_using_post(&self) -> builder::SearchUsingPost<'_> {
        builder::SearchUsingPost::new(self)
    }
    /**Read Person by ID

This function reads a single person from the database.

Sends a `GET` request to `/api/v1/person/{id}`

Arguments:
- `id`: id
- `x_request_id`: Correlation id; echoed on the response and carried into logs and events. Generated when absent.
```ignore
let response = client.read_using_get()
    .id(id)
    .x_request_id(x_request_id)
    .send()
    .await;
```*/
    pub fn read_using_get(&self) -> builder::ReadUsingGet<'_> {
        builder::ReadUsingGet::new(self)
    }
    /**Update Person

This function updates a person from on the database. This does not support delta updates. An unknown id is created.

Sends a `PUT` request to `/api/v1/person/{id}`

Arguments:
- `id`: id
- `x_request_id`: Correlation id; echoed on the response and carried into logs and events. Generated when absent.
- `body`
```ignore
let response = client.upsert_using_put()
    .id(id)
    .x_request_id(x_request_id)
    .body(body)
    .send()
    .await;
```*/
    pub fn upsert_using_put(&self) -> builder::UpsertUsingPut<'_> {
        builder::UpsertUsingPut::new(self)
    }
    /**Delete Person by ID

This function deletes a person from the database.

Sends a `DELETE` request to `/api/v1/person/{id}`

Arguments:
- `id`: id
- `x_request_id`: Correlation id; echoed on the response and carried into logs and events. Generated when absent.
```ignore
let response = client.delete_using_delete()
    .id(id)
    .x_request_id(x_request_id)
    .send()
    .await;
```*/
    pub fn delete_using_delete(&self) -> builder::DeleteUsingDelete<'_> {
        builder::DeleteUsingDelete::new(self)
    }
    /**Update Person

This function updates a person from on the database. This does support delta updates. Absent or null fields keep their value; extensionFields are merged one level deep.

Sends a `PATCH` request to `/api/v1/person/{id}`

Arguments:
- `id`: id
- `x_request_id`: Correlation id; echoed on the response and carried into logs and events. Generated when absent.
- `body`
```ignore
let response = client.delta_update_using_patch()
    .id(id)
    .x_request_id(x_request_id)
    .body(body)
    .send()
    .await;
```*/
    pub fn delta_update_using_patch(&self) -> builder::DeltaUpdateUsingPatch<'_> {
        builder::DeltaUpdateUsingPatch::new(self)
    }
}
/// Types for composing operation parameters.
#[allow(clippy::all)]
pub mod builder {
    use super::types;
    #[allow(unused_imports)]
    use super::{
        encode_path, ByteStream, ClientInfo, ClientHooks, Error, OperationInfo,
        RequestBuilderExt, ResponseValue,
    };
    /**Builder for [`Client::find_all_using_get`]

[`Client::find_all_using_get`]: super::Client::find_all_using_get*/
    #[derive(Debug, Clone)]
    pub struct FindAllUsingGet<'a> {
        client: &'a super::Client,
        page: Result<Option<i32>, String>,
        size: Result<Option<::std::num::NonZeroU32>, String>,
        x_request_id: Result<Option<types::FindAllUsingGetXRequestId>, String>,
    }
    impl<'a> FindAllUsingGet<'a> {
        pub fn new(client: &'a super::Client) -> Self {
            Self {
                client: client,
                page: Ok(None),
                size: Ok(None),
                x_request_id: Ok(None),
            }
        }
        pub fn page<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<i32>,
        {
            self.page = value
                .try_into()
                .map(Some)
                .map_err(|_| "conversion to `i32` for page failed".to_string());
            self
        }
        pub fn size<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<::std::num::NonZeroU32>,
        {
            self.size = value
                .try_into()
                .map(Some)
                .map_err(|_| {
                    "conversion to `:: std :: num :: NonZeroU32` for size failed"
                        .to_string()
                });
            self
        }
        pub fn x_request_id<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<types::FindAllUsingGetXRequestId>,
        {
            self.x_request_id = value
                .try_into()
                .map(Some)
                .map_err(|_| {
                    "conversion to `FindAllUsingGetXRequestId` for x_request_id failed"
                        .to_string()
                });
            self
        }
        ///Sends a `GET` request to `/api/v1/person`
        pub async fn send(
            self,
        ) -> Result<
            ResponseValue<::std::vec::Vec<types::Person>>,
            Error<types::Problem>,
        > {
            let Self { client, page, size, x_request_id } = self;
            let page = page.map_err(Error::InvalidRequest)?;
            let size = size.map_err(Error::InvalidRequest)?;
            let x_request_id = x_request_id.map_err(Error::InvalidRequest)?;
            let url = format!("{}/api/v1/person", client.baseurl,);
            let mut header_map = ::reqwest::header::HeaderMap::with_capacity(2usize);
            header_map
                .append(
                    ::reqwest::header::HeaderName::from_static("api-version"),
                    ::reqwest::header::HeaderValue::from_static(
                        super::Client::api_version(),
                    ),
                );
            if let Some(value) = x_request_id {
                header_map.append("x-request-id", value.to_string().try_into()?);
            }
            #[allow(unused_mut)]
            let mut request = client
                .client
                .get(url)
                .header(
                    ::reqwest::header::ACCEPT,
                    ::reqwest::header::HeaderValue::from_static("application/json"),
                )
                .query(&progenitor_client::QueryParam::new("page", &page))
                .query(&progenitor_client::QueryParam::new("size", &size))
                .headers(header_map)
                .build()?;
            let info = OperationInfo {
                operation_id: "find_all_using_get",
            };
            (crate::ClientAuth::apply)(&client.inner, &mut request);
            client.pre(&mut request, &info).await?;
            let result = client.exec(request, &info).await;
            client.post(&result, &info).await?;
            let response = result?;
            match response.status().as_u16() {
                200u16 => ResponseValue::from_response(response).await,
                400u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                401u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                403u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                500u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                503u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                _ => Err(Error::UnexpectedResponse(response)),
            }
        }
    }
    /**Builder for [`Client::create_using_post`]

[`Client::create_using_post`]: super::Client::create_using_post*/
    #[derive(Debug, Clone)]
    pub struct CreateUsingPost<'a> {
        client: &'a super::Client,
        x_request_id: Result<Option<types::CreateUsingPostXRequestId>, String>,
        body: Result<types::builder::Person, String>,
    }
    impl<'a> CreateUsingPost<'a> {
        pub fn new(client: &'a super::Client) -> Self {
            Self {
                client: client,
                x_request_id: Ok(None),
                body: Ok(::std::default::Default::default()),
            }
        }
        pub fn x_request_id<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<types::CreateUsingPostXRequestId>,
        {
            self.x_request_id = value
                .try_into()
                .map(Some)
                .map_err(|_| {
                    "conversion to `CreateUsingPostXRequestId` for x_request_id failed"
                        .to_string()
                });
            self
        }
        pub fn body<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<types::Person>,
            <V as std::convert::TryInto<types::Person>>::Error: std::fmt::Display,
        {
            self.body = value
                .try_into()
                .map(From::from)
                .map_err(|s| format!("conversion to `Person` for body failed: {}", s));
            self
        }
        pub fn body_map<F>(mut self, f: F) -> Self
        where
            F: std::ops::FnOnce(types::builder::Person) -> types::builder::Person,
        {
            self.body = self.body.map(f);
            self
        }
        ///Sends a `POST` request to `/api/v1/person`
        pub async fn send(
            self,
        ) -> Result<ResponseValue<types::Person>, Error<types::Problem>> {
            let Self { client, x_request_id, body } = self;
            let x_request_id = x_request_id.map_err(Error::InvalidRequest)?;
            let body = body
                .and_then(|v| types::Person::try_from(v).map_err(|e| e.to_string()))
                .map_err(Error::InvalidRequest)?;
            let url = format!("{}/api/v1/person", client.baseurl,);
            let mut header_map = ::reqwest::header::HeaderMap::with_capacity(2usize);
            header_map
                .append(
                    ::reqwest::header::HeaderName::from_static("api-version"),
                    ::reqwest::header::HeaderValue::from_static(
                        super::Client::api_version(),
                    ),
                );
            if let Some(value) = x_request_id {
                header_map.append("x-request-id", value.to_string().try_into()?);
            }
            #[allow(unused_mut)]
            let mut request = client
                .client
                .post(url)
                .header(
                    ::reqwest::header::ACCEPT,
                    ::reqwest::header::HeaderValue::from_static("application/json"),
                )
                .json(&body)
                .headers(header_map)
                .build()?;
            let info = OperationInfo {
                operation_id: "create_using_post",
            };
            (crate::ClientAuth::apply)(&client.inner, &mut request);
            client.pre(&mut request, &info).await?;
            let result = client.exec(request, &info).await;
            client.post(&result, &info).await?;
            let response = result?;
            match response.status().as_u16() {
                201u16 => ResponseValue::from_response(response).await,
                400u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                401u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                403u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                409u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                413u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                500u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                503u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                _ => Err(Error::UnexpectedResponse(response)),
            }
        }
    }
    /**Builder for [`Client::delete_all_using_delete`]

[`Client::delete_all_using_delete`]: super::Client::delete_all_using_delete*/
    #[derive(Debug, Clone)]
    pub struct DeleteAllUsingDelete<'a> {
        client: &'a super::Client,
        x_request_id: Result<Option<types::DeleteAllUsingDeleteXRequestId>, String>,
    }
    impl<'a> DeleteAllUsingDelete<'a> {
        pub fn new(client: &'a super::Client) -> Self {
            Self {
                client: client,
                x_request_id: Ok(None),
            }
        }
        pub fn x_request_id<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<types::DeleteAllUsingDeleteXRequestId>,
        {
            self.x_request_id = value
                .try_into()
                .map(Some)
                .map_err(|_| {
                    "conversion to `DeleteAllUsingDeleteXRequestId` for x_request_id failed"
                        .to_string()
                });
            self
        }
        ///Sends a `DELETE` request to `/api/v1/person`
        pub async fn send(self) -> Result<ResponseValue<()>, Error<types::Problem>> {
            let Self { client, x_request_id } = self;
            let x_request_id = x_request_id.map_err(Error::InvalidRequest)?;
            let url = format!("{}/api/v1/person", client.baseurl,);
            let mut header_map = ::reqwest::header::HeaderMap::with_capacity(2usize);
            header_map
                .append(
                    ::reqwest::header::HeaderName::from_static("api-version"),
                    ::reqwest::header::HeaderValue::from_static(
                        super::Client::api_version(),
                    ),
                );
            if let Some(value) = x_request_id {
                header_map.append("x-request-id", value.to_string().try_into()?);
            }
            #[allow(unused_mut)]
            let mut request = client
                .client
                .delete(url)
                .header(
                    ::reqwest::header::ACCEPT,
                    ::reqwest::header::HeaderValue::from_static("application/json"),
                )
                .headers(header_map)
                .build()?;
            let info = OperationInfo {
                operation_id: "delete_all_using_delete",
            };
            (crate::ClientAuth::apply)(&client.inner, &mut request);
            client.pre(&mut request, &info).await?;
            let result = client.exec(request, &info).await;
            client.post(&result, &info).await?;
            let response = result?;
            match response.status().as_u16() {
                204u16 => Ok(ResponseValue::empty(response)),
                401u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                403u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                409u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                500u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                503u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                _ => Err(Error::UnexpectedResponse(response)),
            }
        }
    }
    /**Builder for [`Client::count_using_get`]

[`Client::count_using_get`]: super::Client::count_using_get*/
    #[derive(Debug, Clone)]
    pub struct CountUsingGet<'a> {
        client: &'a super::Client,
        x_request_id: Result<Option<types::CountUsingGetXRequestId>, String>,
    }
    impl<'a> CountUsingGet<'a> {
        pub fn new(client: &'a super::Client) -> Self {
            Self {
                client: client,
                x_request_id: Ok(None),
            }
        }
        pub fn x_request_id<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<types::CountUsingGetXRequestId>,
        {
            self.x_request_id = value
                .try_into()
                .map(Some)
                .map_err(|_| {
                    "conversion to `CountUsingGetXRequestId` for x_request_id failed"
                        .to_string()
                });
            self
        }
        ///Sends a `GET` request to `/api/v1/person/count`
        pub async fn send(
            self,
        ) -> Result<ResponseValue<types::PersonCount>, Error<types::Problem>> {
            let Self { client, x_request_id } = self;
            let x_request_id = x_request_id.map_err(Error::InvalidRequest)?;
            let url = format!("{}/api/v1/person/count", client.baseurl,);
            let mut header_map = ::reqwest::header::HeaderMap::with_capacity(2usize);
            header_map
                .append(
                    ::reqwest::header::HeaderName::from_static("api-version"),
                    ::reqwest::header::HeaderValue::from_static(
                        super::Client::api_version(),
                    ),
                );
            if let Some(value) = x_request_id {
                header_map.append("x-request-id", value.to_string().try_into()?);
            }
            #[allow(unused_mut)]
            let mut request = client
                .client
                .get(url)
                .header(
                    ::reqwest::header::ACCEPT,
                    ::reqwest::header::HeaderValue::from_static("application/json"),
                )
                .headers(header_map)
                .build()?;
            let info = OperationInfo {
                operation_id: "count_using_get",
            };
            (crate::ClientAuth::apply)(&client.inner, &mut request);
            client.pre(&mut request, &info).await?;
            let result = client.exec(request, &info).await;
            client.post(&result, &info).await?;
            let response = result?;
            match response.status().as_u16() {
                200u16 => ResponseValue::from_response(response).await,
                401u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                403u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                500u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                503u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                _ => Err(Error::UnexpectedResponse(response)),
            }
        }
    }
    /**Builder for [`Client::search_using_post`]

[`Client::search_using_post`]: super::Client::search_using_post*/
    #[derive(Debug, Clone)]
    pub struct SearchUsingPost<'a> {
        client: &'a super::Client,
        page: Result<Option<i32>, String>,
        size: Result<Option<::std::num::NonZeroU32>, String>,
        x_request_id: Result<Option<types::SearchUsingPostXRequestId>, String>,
        body: Result<types::builder::Person, String>,
    }
    impl<'a> SearchUsingPost<'a> {
        pub fn new(client: &'a super::Client) -> Self {
            Self {
                client: client,
                page: Ok(None),
                size: Ok(None),
                x_request_id: Ok(None),
                body: Ok(::std::default::Default::default()),
            }
        }
        pub fn page<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<i32>,
        {
            self.page = value
                .try_into()
                .map(Some)
                .map_err(|_| "conversion to `i32` for page failed".to_string());
            self
        }
        pub fn size<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<::std::num::NonZeroU32>,
        {
            self.size = value
                .try_into()
                .map(Some)
                .map_err(|_| {
                    "conversion to `:: std :: num :: NonZeroU32` for size failed"
                        .to_string()
                });
            self
        }
        pub fn x_request_id<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<types::SearchUsingPostXRequestId>,
        {
            self.x_request_id = value
                .try_into()
                .map(Some)
                .map_err(|_| {
                    "conversion to `SearchUsingPostXRequestId` for x_request_id failed"
                        .to_string()
                });
            self
        }
        pub fn body<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<types::Person>,
            <V as std::convert::TryInto<types::Person>>::Error: std::fmt::Display,
        {
            self.body = value
                .try_into()
                .map(From::from)
                .map_err(|s| format!("conversion to `Person` for body failed: {}", s));
            self
        }
        pub fn body_map<F>(mut self, f: F) -> Self
        where
            F: std::ops::FnOnce(types::builder::Person) -> types::builder::Person,
        {
            self.body = self.body.map(f);
            self
        }
        ///Sends a `POST` request to `/api/v1/person/search`
        pub async fn send(
            self,
        ) -> Result<
            ResponseValue<::std::vec::Vec<types::Person>>,
            Error<types::Problem>,
        > {
            let Self { client, page, size, x_request_id, body } = self;
            let page = page.map_err(Error::InvalidRequest)?;
            let size = size.map_err(Error::InvalidRequest)?;
            let x_request_id = x_request_id.map_err(Error::InvalidRequest)?;
            let body = body
                .and_then(|v| types::Person::try_from(v).map_err(|e| e.to_string()))
                .map_err(Error::InvalidRequest)?;
            let url = format!("{}/api/v1/person/search", client.baseurl,);
            let mut header_map = ::reqwest::header::HeaderMap::with_capacity(2usize);
            header_map
                .append(
                    ::reqwest::header::HeaderName::from_static("api-version"),
                    ::reqwest::header::HeaderValue::from_static(
                        super::Client::api_version(),
                    ),
                );
            if let Some(value) = x_request_id {
                header_map.append("x-request-id", value.to_string().try_into()?);
            }
            #[allow(unused_mut)]
            let mut request = client
                .client
                .post(url)
                .header(
                    ::reqwest::header::ACCEPT,
                    ::reqwest::header::HeaderValue::from_static("application/json"),
                )
                .json(&body)
                .query(&progenitor_client::QueryParam::new("page", &page))
                .query(&progenitor_client::QueryParam::new("size", &size))
                .headers(header_map)
                .build()?;
            let info = OperationInfo {
                operation_id: "search_using_post",
            };
            (crate::ClientAuth::apply)(&client.inner, &mut request);
            client.pre(&mut request, &info).await?;
            let result = client.exec(request, &info).await;
            client.post(&result, &info).await?;
            let response = result?;
            match response.status().as_u16() {
                200u16 => ResponseValue::from_response(response).await,
                400u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                401u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                403u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                413u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                500u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                503u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                _ => Err(Error::UnexpectedResponse(response)),
            }
        }
    }
    /**Builder for [`Client::read_using_get`]

[`Client::read_using_get`]: super::Client::read_using_get*/
    #[derive(Debug, Clone)]
    pub struct ReadUsingGet<'a> {
        client: &'a super::Client,
        id: Result<::std::string::String, String>,
        x_request_id: Result<Option<types::ReadUsingGetXRequestId>, String>,
    }
    impl<'a> ReadUsingGet<'a> {
        pub fn new(client: &'a super::Client) -> Self {
            Self {
                client: client,
                id: Err("id was not initialized".to_string()),
                x_request_id: Ok(None),
            }
        }
        pub fn id<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<::std::string::String>,
        {
            self.id = value
                .try_into()
                .map_err(|_| {
                    "conversion to `:: std :: string :: String` for id failed"
                        .to_string()
                });
            self
        }
        pub fn x_request_id<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<types::ReadUsingGetXRequestId>,
        {
            self.x_request_id = value
                .try_into()
                .map(Some)
                .map_err(|_| {
                    "conversion to `ReadUsingGetXRequestId` for x_request_id failed"
                        .to_string()
                });
            self
        }
        ///Sends a `GET` request to `/api/v1/person/{id}`
        pub async fn send(
            self,
        ) -> Result<ResponseValue<types::Person>, Error<types::Problem>> {
            let Self { client, id, x_request_id } = self;
            let id = id.map_err(Error::InvalidRequest)?;
            let x_request_id = x_request_id.map_err(Error::InvalidRequest)?;
            let url = format!(
                "{}/api/v1/person/{}", client.baseurl, encode_path(& id.to_string()),
            );
            let mut header_map = ::reqwest::header::HeaderMap::with_capacity(2usize);
            header_map
                .append(
                    ::reqwest::header::HeaderName::from_static("api-version"),
                    ::reqwest::header::HeaderValue::from_static(
                        super::Client::api_version(),
                    ),
                );
            if let Some(value) = x_request_id {
                header_map.append("x-request-id", value.to_string().try_into()?);
            }
            #[allow(unused_mut)]
            let mut request = client
                .client
                .get(url)
                .header(
                    ::reqwest::header::ACCEPT,
                    ::reqwest::header::HeaderValue::from_static("application/json"),
                )
                .headers(header_map)
                .build()?;
            let info = OperationInfo {
                operation_id: "read_using_get",
            };
            (crate::ClientAuth::apply)(&client.inner, &mut request);
            client.pre(&mut request, &info).await?;
            let result = client.exec(request, &info).await;
            client.post(&result, &info).await?;
            let response = result?;
            match response.status().as_u16() {
                200u16 => ResponseValue::from_response(response).await,
                401u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                403u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                404u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                500u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                503u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                _ => Err(Error::UnexpectedResponse(response)),
            }
        }
    }
    /**Builder for [`Client::upsert_using_put`]

[`Client::upsert_using_put`]: super::Client::upsert_using_put*/
    #[derive(Debug, Clone)]
    pub struct UpsertUsingPut<'a> {
        client: &'a super::Client,
        id: Result<::std::string::String, String>,
        x_request_id: Result<Option<types::UpsertUsingPutXRequestId>, String>,
        body: Result<types::builder::Person, String>,
    }
    impl<'a> UpsertUsingPut<'a> {
        pub fn new(client: &'a super::Client) -> Self {
            Self {
                client: client,
                id: Err("id was not initialized".to_string()),
                x_request_id: Ok(None),
                body: Ok(::std::default::Default::default()),
            }
        }
        pub fn id<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<::std::string::String>,
        {
            self.id = value
                .try_into()
                .map_err(|_| {
                    "conversion to `:: std :: string :: String` for id failed"
                        .to_string()
                });
            self
        }
        pub fn x_request_id<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<types::UpsertUsingPutXRequestId>,
        {
            self.x_request_id = value
                .try_into()
                .map(Some)
                .map_err(|_| {
                    "conversion to `UpsertUsingPutXRequestId` for x_request_id failed"
                        .to_string()
                });
            self
        }
        pub fn body<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<types::Person>,
            <V as std::convert::TryInto<types::Person>>::Error: std::fmt::Display,
        {
            self.body = value
                .try_into()
                .map(From::from)
                .map_err(|s| format!("conversion to `Person` for body failed: {}", s));
            self
        }
        pub fn body_map<F>(mut self, f: F) -> Self
        where
            F: std::ops::FnOnce(types::builder::Person) -> types::builder::Person,
        {
            self.body = self.body.map(f);
            self
        }
        ///Sends a `PUT` request to `/api/v1/person/{id}`
        pub async fn send(
            self,
        ) -> Result<ResponseValue<types::Person>, Error<types::Problem>> {
            let Self { client, id, x_request_id, body } = self;
            let id = id.map_err(Error::InvalidRequest)?;
            let x_request_id = x_request_id.map_err(Error::InvalidRequest)?;
            let body = body
                .and_then(|v| types::Person::try_from(v).map_err(|e| e.to_string()))
                .map_err(Error::InvalidRequest)?;
            let url = format!(
                "{}/api/v1/person/{}", client.baseurl, encode_path(& id.to_string()),
            );
            let mut header_map = ::reqwest::header::HeaderMap::with_capacity(2usize);
            header_map
                .append(
                    ::reqwest::header::HeaderName::from_static("api-version"),
                    ::reqwest::header::HeaderValue::from_static(
                        super::Client::api_version(),
                    ),
                );
            if let Some(value) = x_request_id {
                header_map.append("x-request-id", value.to_string().try_into()?);
            }
            #[allow(unused_mut)]
            let mut request = client
                .client
                .put(url)
                .header(
                    ::reqwest::header::ACCEPT,
                    ::reqwest::header::HeaderValue::from_static("application/json"),
                )
                .json(&body)
                .headers(header_map)
                .build()?;
            let info = OperationInfo {
                operation_id: "upsert_using_put",
            };
            (crate::ClientAuth::apply)(&client.inner, &mut request);
            client.pre(&mut request, &info).await?;
            let result = client.exec(request, &info).await;
            client.post(&result, &info).await?;
            let response = result?;
            match response.status().as_u16() {
                200u16 => ResponseValue::from_response(response).await,
                400u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                401u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                403u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                409u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                413u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                500u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                503u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                _ => Err(Error::UnexpectedResponse(response)),
            }
        }
    }
    /**Builder for [`Client::delete_using_delete`]

[`Client::delete_using_delete`]: super::Client::delete_using_delete*/
    #[derive(Debug, Clone)]
    pub struct DeleteUsingDelete<'a> {
        client: &'a super::Client,
        id: Result<::std::string::String, String>,
        x_request_id: Result<Option<types::DeleteUsingDeleteXRequestId>, String>,
    }
    impl<'a> DeleteUsingDelete<'a> {
        pub fn new(client: &'a super::Client) -> Self {
            Self {
                client: client,
                id: Err("id was not initialized".to_string()),
                x_request_id: Ok(None),
            }
        }
        pub fn id<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<::std::string::String>,
        {
            self.id = value
                .try_into()
                .map_err(|_| {
                    "conversion to `:: std :: string :: String` for id failed"
                        .to_string()
                });
            self
        }
        pub fn x_request_id<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<types::DeleteUsingDeleteXRequestId>,
        {
            self.x_request_id = value
                .try_into()
                .map(Some)
                .map_err(|_| {
                    "conversion to `DeleteUsingDeleteXRequestId` for x_request_id failed"
                        .to_string()
                });
            self
        }
        ///Sends a `DELETE` request to `/api/v1/person/{id}`
        pub async fn send(self) -> Result<ResponseValue<()>, Error<types::Problem>> {
            let Self { client, id, x_request_id } = self;
            let id = id.map_err(Error::InvalidRequest)?;
            let x_request_id = x_request_id.map_err(Error::InvalidRequest)?;
            let url = format!(
                "{}/api/v1/person/{}", client.baseurl, encode_path(& id.to_string()),
            );
            let mut header_map = ::reqwest::header::HeaderMap::with_capacity(2usize);
            header_map
                .append(
                    ::reqwest::header::HeaderName::from_static("api-version"),
                    ::reqwest::header::HeaderValue::from_static(
                        super::Client::api_version(),
                    ),
                );
            if let Some(value) = x_request_id {
                header_map.append("x-request-id", value.to_string().try_into()?);
            }
            #[allow(unused_mut)]
            let mut request = client
                .client
                .delete(url)
                .header(
                    ::reqwest::header::ACCEPT,
                    ::reqwest::header::HeaderValue::from_static("application/json"),
                )
                .headers(header_map)
                .build()?;
            let info = OperationInfo {
                operation_id: "delete_using_delete",
            };
            (crate::ClientAuth::apply)(&client.inner, &mut request);
            client.pre(&mut request, &info).await?;
            let result = client.exec(request, &info).await;
            client.post(&result, &info).await?;
            let response = result?;
            match response.status().as_u16() {
                204u16 => Ok(ResponseValue::empty(response)),
                401u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                403u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                409u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                500u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                503u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                _ => Err(Error::UnexpectedResponse(response)),
            }
        }
    }
    /**Builder for [`Client::delta_update_using_patch`]

[`Client::delta_update_using_patch`]: super::Client::delta_update_using_patch*/
    #[derive(Debug, Clone)]
    pub struct DeltaUpdateUsingPatch<'a> {
        client: &'a super::Client,
        id: Result<::std::string::String, String>,
        x_request_id: Result<Option<types::DeltaUpdateUsingPatchXRequestId>, String>,
        body: Result<types::builder::Person, String>,
    }
    impl<'a> DeltaUpdateUsingPatch<'a> {
        pub fn new(client: &'a super::Client) -> Self {
            Self {
                client: client,
                id: Err("id was not initialized".to_string()),
                x_request_id: Ok(None),
                body: Ok(::std::default::Default::default()),
            }
        }
        pub fn id<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<::std::string::String>,
        {
            self.id = value
                .try_into()
                .map_err(|_| {
                    "conversion to `:: std :: string :: String` for id failed"
                        .to_string()
                });
            self
        }
        pub fn x_request_id<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<types::DeltaUpdateUsingPatchXRequestId>,
        {
            self.x_request_id = value
                .try_into()
                .map(Some)
                .map_err(|_| {
                    "conversion to `DeltaUpdateUsingPatchXRequestId` for x_request_id failed"
                        .to_string()
                });
            self
        }
        pub fn body<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<types::Person>,
            <V as std::convert::TryInto<types::Person>>::Error: std::fmt::Display,
        {
            self.body = value
                .try_into()
                .map(From::from)
                .map_err(|s| format!("conversion to `Person` for body failed: {}", s));
            self
        }
        pub fn body_map<F>(mut self, f: F) -> Self
        where
            F: std::ops::FnOnce(types::builder::Person) -> types::builder::Person,
        {
            self.body = self.body.map(f);
            self
        }
        ///Sends a `PATCH` request to `/api/v1/person/{id}`
        pub async fn send(
            self,
        ) -> Result<ResponseValue<types::Person>, Error<types::Problem>> {
            let Self { client, id, x_request_id, body } = self;
            let id = id.map_err(Error::InvalidRequest)?;
            let x_request_id = x_request_id.map_err(Error::InvalidRequest)?;
            let body = body
                .and_then(|v| types::Person::try_from(v).map_err(|e| e.to_string()))
                .map_err(Error::InvalidRequest)?;
            let url = format!(
                "{}/api/v1/person/{}", client.baseurl, encode_path(& id.to_string()),
            );
            let mut header_map = ::reqwest::header::HeaderMap::with_capacity(2usize);
            header_map
                .append(
                    ::reqwest::header::HeaderName::from_static("api-version"),
                    ::reqwest::header::HeaderValue::from_static(
                        super::Client::api_version(),
                    ),
                );
            if let Some(value) = x_request_id {
                header_map.append("x-request-id", value.to_string().try_into()?);
            }
            #[allow(unused_mut)]
            let mut request = client
                .client
                .patch(url)
                .header(
                    ::reqwest::header::ACCEPT,
                    ::reqwest::header::HeaderValue::from_static("application/json"),
                )
                .json(&body)
                .headers(header_map)
                .build()?;
            let info = OperationInfo {
                operation_id: "delta_update_using_patch",
            };
            (crate::ClientAuth::apply)(&client.inner, &mut request);
            client.pre(&mut request, &info).await?;
            let result = client.exec(request, &info).await;
            client.post(&result, &info).await?;
            let response = result?;
            match response.status().as_u16() {
                200u16 => ResponseValue::from_response(response).await,
                400u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                401u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                403u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                404u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                409u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                413u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                500u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                503u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                _ => Err(Error::UnexpectedResponse(response)),
            }
        }
    }
}
/// Items consumers will typically use such as the Client.
pub mod prelude {
    pub use self::super::Client;
}
