// @generated from the OpenAPI spec by build.rs; do not edit.
#[allow(unused_imports)]
pub use progenitor_client::{ByteStream, ClientInfo, Error, ResponseValue};
#[allow(unused_imports)]
use progenitor_client::{encode_path, ClientHooks, OperationInfo, RequestBuilderExt};
/// Types used as operation parameters and responses.
#[allow(clippy::all)]
pub mod types {
    ///`CreateUsingPostIdempotencyKey`
    #[derive(::serde::Serialize, Clone, Debug, Eq, Hash, Ord, PartialEq, PartialOrd)]
    #[serde(transparent)]
    pub struct CreateUsingPostIdempotencyKey(::std::string::String);
    impl ::std::ops::Deref for CreateUsingPostIdempotencyKey {
        type Target = ::std::string::String;
        fn deref(&self) -> &::std::string::String {
            &self.0
        }
    }
    impl ::std::convert::From<CreateUsingPostIdempotencyKey> for ::std::string::String {
        fn from(value: CreateUsingPostIdempotencyKey) -> Self {
            value.0
        }
    }
    impl ::std::str::FromStr for CreateUsingPostIdempotencyKey {
        type Err = self::error::ConversionError;
        fn from_str(
            value: &str,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            if value.chars().count() > 255usize {
                return Err("longer than 255 characters".into());
            }
            Ok(Self(value.to_string()))
        }
    }
    impl ::std::convert::TryFrom<&str> for CreateUsingPostIdempotencyKey {
        type Error = self::error::ConversionError;
        fn try_from(
            value: &str,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            value.parse()
        }
    }
    impl ::std::convert::TryFrom<::std::string::String>
    for CreateUsingPostIdempotencyKey {
        type Error = self::error::ConversionError;
        fn try_from(
            value: ::std::string::String,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            value.parse()
        }
    }
    impl<'de> ::serde::Deserialize<'de> for CreateUsingPostIdempotencyKey {
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
    ///`InputOrder`
    #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug, Default, PartialEq)]
    pub struct InputOrder {
        ///Unique identifier of the person whom the order is billed to
        #[serde(
            rename = "billToID",
            skip_serializing_if = "::std::option::Option::is_none"
        )]
        pub bill_to_id: ::std::option::Option<::std::string::String>,
        ///Order Currency
        #[serde(
            rename = "currencyCode",
            skip_serializing_if = "::std::option::Option::is_none"
        )]
        pub currency_code: ::std::option::Option<::std::string::String>,
        ///Order items; in a PATCH, absent or empty items keep the stored items
        #[serde(default, skip_serializing_if = "::std::vec::Vec::is_empty")]
        pub items: ::std::vec::Vec<OrderItem>,
        ///Date of Order Capture
        #[serde(
            rename = "orderDate",
            skip_serializing_if = "::std::option::Option::is_none"
        )]
        pub order_date: ::std::option::Option<::std::string::String>,
        ///Value of the Order incl. taxes
        #[serde(
            rename = "orderValue",
            skip_serializing_if = "::std::option::Option::is_none"
        )]
        pub order_value: ::std::option::Option<f64>,
        ///Unique identifier of the person whom the order is sold to
        #[serde(
            rename = "shipToID",
            skip_serializing_if = "::std::option::Option::is_none"
        )]
        pub ship_to_id: ::std::option::Option<::std::string::String>,
        ///Unique identifier of the person whom the order was sold to
        #[serde(
            rename = "soldToID",
            skip_serializing_if = "::std::option::Option::is_none"
        )]
        pub sold_to_id: ::std::option::Option<::std::string::String>,
        ///Total taxes of the Order
        #[serde(
            rename = "taxValue",
            skip_serializing_if = "::std::option::Option::is_none"
        )]
        pub tax_value: ::std::option::Option<f64>,
    }
    impl InputOrder {
        pub fn builder() -> builder::InputOrder {
            Default::default()
        }
    }
    ///`Order`
    #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug, Default, PartialEq)]
    pub struct Order {
        #[serde(
            rename = "billTo",
            skip_serializing_if = "::std::option::Option::is_none"
        )]
        pub bill_to: ::std::option::Option<Person>,
        ///Order Currency
        #[serde(
            rename = "currencyCode",
            skip_serializing_if = "::std::option::Option::is_none"
        )]
        pub currency_code: ::std::option::Option<::std::string::String>,
        #[serde(default, skip_serializing_if = "::std::vec::Vec::is_empty")]
        pub items: ::std::vec::Vec<OrderItem>,
        ///Date of Order Capture
        #[serde(
            rename = "orderDate",
            skip_serializing_if = "::std::option::Option::is_none"
        )]
        pub order_date: ::std::option::Option<::std::string::String>,
        ///Unique identifier
        #[serde(
            rename = "orderID",
            skip_serializing_if = "::std::option::Option::is_none"
        )]
        pub order_id: ::std::option::Option<::std::string::String>,
        ///Value of the Order incl. taxes
        #[serde(
            rename = "orderValue",
            skip_serializing_if = "::std::option::Option::is_none"
        )]
        pub order_value: ::std::option::Option<f64>,
        #[serde(
            rename = "shipTo",
            skip_serializing_if = "::std::option::Option::is_none"
        )]
        pub ship_to: ::std::option::Option<Person>,
        #[serde(
            rename = "soldTo",
            skip_serializing_if = "::std::option::Option::is_none"
        )]
        pub sold_to: ::std::option::Option<Person>,
        ///Total taxes of the Order
        #[serde(
            rename = "taxValue",
            skip_serializing_if = "::std::option::Option::is_none"
        )]
        pub tax_value: ::std::option::Option<f64>,
    }
    impl Order {
        pub fn builder() -> builder::Order {
            Default::default()
        }
    }
    ///`OrderItem`
    #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug, Default, PartialEq)]
    pub struct OrderItem {
        ///Identifier of the order item
        #[serde(
            rename = "itemID",
            skip_serializing_if = "::std::option::Option::is_none"
        )]
        pub item_id: ::std::option::Option<::std::string::String>,
        ///Quantity of the product
        #[serde(
            rename = "itemPrice",
            skip_serializing_if = "::std::option::Option::is_none"
        )]
        pub item_price: ::std::option::Option<f64>,
        ///Identifier of the product
        #[serde(
            rename = "productID",
            skip_serializing_if = "::std::option::Option::is_none"
        )]
        pub product_id: ::std::option::Option<::std::string::String>,
        ///Quantity of the product
        #[serde(skip_serializing_if = "::std::option::Option::is_none")]
        pub quantity: ::std::option::Option<f64>,
    }
    impl OrderItem {
        pub fn builder() -> builder::OrderItem {
            Default::default()
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
        ///House Number
        #[serde(skip_serializing_if = "::std::option::Option::is_none")]
        pub zip: ::std::option::Option<::std::string::String>,
    }
    impl Person {
        pub fn builder() -> builder::Person {
            Default::default()
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
        pub struct InputOrder {
            bill_to_id: ::std::result::Result<
                ::std::option::Option<::std::string::String>,
                ::std::string::String,
            >,
            currency_code: ::std::result::Result<
                ::std::option::Option<::std::string::String>,
                ::std::string::String,
            >,
            items: ::std::result::Result<
                ::std::vec::Vec<super::OrderItem>,
                ::std::string::String,
            >,
            order_date: ::std::result::Result<
                ::std::option::Option<::std::string::String>,
                ::std::string::String,
            >,
            order_value: ::std::result::Result<
                ::std::option::Option<f64>,
                ::std::string::String,
            >,
            ship_to_id: ::std::result::Result<
                ::std::option::Option<::std::string::String>,
                ::std::string::String,
            >,
            sold_to_id: ::std::result::Result<
                ::std::option::Option<::std::string::String>,
                ::std::string::String,
            >,
            tax_value: ::std::result::Result<
                ::std::option::Option<f64>,
                ::std::string::String,
            >,
        }
        impl ::std::default::Default for InputOrder {
            fn default() -> Self {
                Self {
                    bill_to_id: Ok(Default::default()),
                    currency_code: Ok(Default::default()),
                    items: Ok(Default::default()),
                    order_date: Ok(Default::default()),
                    order_value: Ok(Default::default()),
                    ship_to_id: Ok(Default::default()),
                    sold_to_id: Ok(Default::default()),
                    tax_value: Ok(Default::default()),
                }
            }
        }
        impl InputOrder {
            pub fn bill_to_id<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::option::Option<::std::string::String>>,
                T::Error: ::std::fmt::Display,
            {
                self.bill_to_id = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for bill_to_id: {e}")
                    });
                self
            }
            pub fn currency_code<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::option::Option<::std::string::String>>,
                T::Error: ::std::fmt::Display,
            {
                self.currency_code = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for currency_code: {e}")
                    });
                self
            }
            pub fn items<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::vec::Vec<super::OrderItem>>,
                T::Error: ::std::fmt::Display,
            {
                self.items = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for items: {e}")
                    });
                self
            }
            pub fn order_date<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::option::Option<::std::string::String>>,
                T::Error: ::std::fmt::Display,
            {
                self.order_date = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for order_date: {e}")
                    });
                self
            }
            pub fn order_value<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::option::Option<f64>>,
                T::Error: ::std::fmt::Display,
            {
                self.order_value = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for order_value: {e}")
                    });
                self
            }
            pub fn ship_to_id<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::option::Option<::std::string::String>>,
                T::Error: ::std::fmt::Display,
            {
                self.ship_to_id = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for ship_to_id: {e}")
                    });
                self
            }
            pub fn sold_to_id<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::option::Option<::std::string::String>>,
                T::Error: ::std::fmt::Display,
            {
                self.sold_to_id = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for sold_to_id: {e}")
                    });
                self
            }
            pub fn tax_value<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::option::Option<f64>>,
                T::Error: ::std::fmt::Display,
            {
                self.tax_value = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for tax_value: {e}")
                    });
                self
            }
        }
        impl ::std::convert::TryFrom<InputOrder> for super::InputOrder {
            type Error = super::error::ConversionError;
            fn try_from(
                value: InputOrder,
            ) -> ::std::result::Result<Self, super::error::ConversionError> {
                Ok(Self {
                    bill_to_id: value.bill_to_id?,
                    currency_code: value.currency_code?,
                    items: value.items?,
                    order_date: value.order_date?,
                    order_value: value.order_value?,
                    ship_to_id: value.ship_to_id?,
                    sold_to_id: value.sold_to_id?,
                    tax_value: value.tax_value?,
                })
            }
        }
        impl ::std::convert::From<super::InputOrder> for InputOrder {
            fn from(value: super::InputOrder) -> Self {
                Self {
                    bill_to_id: Ok(value.bill_to_id),
                    currency_code: Ok(value.currency_code),
                    items: Ok(value.items),
                    order_date: Ok(value.order_date),
                    order_value: Ok(value.order_value),
                    ship_to_id: Ok(value.ship_to_id),
                    sold_to_id: Ok(value.sold_to_id),
                    tax_value: Ok(value.tax_value),
                }
            }
        }
        #[derive(Clone, Debug)]
        pub struct Order {
            bill_to: ::std::result::Result<
                ::std::option::Option<super::Person>,
                ::std::string::String,
            >,
            currency_code: ::std::result::Result<
                ::std::option::Option<::std::string::String>,
                ::std::string::String,
            >,
            items: ::std::result::Result<
                ::std::vec::Vec<super::OrderItem>,
                ::std::string::String,
            >,
            order_date: ::std::result::Result<
                ::std::option::Option<::std::string::String>,
                ::std::string::String,
            >,
            order_id: ::std::result::Result<
                ::std::option::Option<::std::string::String>,
                ::std::string::String,
            >,
            order_value: ::std::result::Result<
                ::std::option::Option<f64>,
                ::std::string::String,
            >,
            ship_to: ::std::result::Result<
                ::std::option::Option<super::Person>,
                ::std::string::String,
            >,
            sold_to: ::std::result::Result<
                ::std::option::Option<super::Person>,
                ::std::string::String,
            >,
            tax_value: ::std::result::Result<
                ::std::option::Option<f64>,
                ::std::string::String,
            >,
        }
        impl ::std::default::Default for Order {
            fn default() -> Self {
                Self {
                    bill_to: Ok(Default::default()),
                    currency_code: Ok(Default::default()),
                    items: Ok(Default::default()),
                    order_date: Ok(Default::default()),
                    order_id: Ok(Default::default()),
                    order_value: Ok(Default::default()),
                    ship_to: Ok(Default::default()),
                    sold_to: Ok(Default::default()),
                    tax_value: Ok(Default::default()),
                }
            }
        }
        impl Order {
            pub fn bill_to<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::option::Option<super::Person>>,
                T::Error: ::std::fmt::Display,
            {
                self.bill_to = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for bill_to: {e}")
                    });
                self
            }
            pub fn currency_code<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::option::Option<::std::string::String>>,
                T::Error: ::std::fmt::Display,
            {
                self.currency_code = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for currency_code: {e}")
                    });
                self
            }
            pub fn items<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::vec::Vec<super::OrderItem>>,
                T::Error: ::std::fmt::Display,
            {
                self.items = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for items: {e}")
                    });
                self
            }
            pub fn order_date<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::option::Option<::std::string::String>>,
                T::Error: ::std::fmt::Display,
            {
                self.order_date = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for order_date: {e}")
                    });
                self
            }
            pub fn order_id<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::option::Option<::std::string::String>>,
                T::Error: ::std::fmt::Display,
            {
                self.order_id = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for order_id: {e}")
                    });
                self
            }
            pub fn order_value<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::option::Option<f64>>,
                T::Error: ::std::fmt::Display,
            {
                self.order_value = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for order_value: {e}")
                    });
                self
            }
            pub fn ship_to<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::option::Option<super::Person>>,
                T::Error: ::std::fmt::Display,
            {
                self.ship_to = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for ship_to: {e}")
                    });
                self
            }
            pub fn sold_to<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::option::Option<super::Person>>,
                T::Error: ::std::fmt::Display,
            {
                self.sold_to = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for sold_to: {e}")
                    });
                self
            }
            pub fn tax_value<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::option::Option<f64>>,
                T::Error: ::std::fmt::Display,
            {
                self.tax_value = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for tax_value: {e}")
                    });
                self
            }
        }
        impl ::std::convert::TryFrom<Order> for super::Order {
            type Error = super::error::ConversionError;
            fn try_from(
                value: Order,
            ) -> ::std::result::Result<Self, super::error::ConversionError> {
                Ok(Self {
                    bill_to: value.bill_to?,
                    currency_code: value.currency_code?,
                    items: value.items?,
                    order_date: value.order_date?,
                    order_id: value.order_id?,
                    order_value: value.order_value?,
                    ship_to: value.ship_to?,
                    sold_to: value.sold_to?,
                    tax_value: value.tax_value?,
                })
            }
        }
        impl ::std::convert::From<super::Order> for Order {
            fn from(value: super::Order) -> Self {
                Self {
                    bill_to: Ok(value.bill_to),
                    currency_code: Ok(value.currency_code),
                    items: Ok(value.items),
                    order_date: Ok(value.order_date),
                    order_id: Ok(value.order_id),
                    order_value: Ok(value.order_value),
                    ship_to: Ok(value.ship_to),
                    sold_to: Ok(value.sold_to),
                    tax_value: Ok(value.tax_value),
                }
            }
        }
        #[derive(Clone, Debug)]
        pub struct OrderItem {
            item_id: ::std::result::Result<
                ::std::option::Option<::std::string::String>,
                ::std::string::String,
            >,
            item_price: ::std::result::Result<
                ::std::option::Option<f64>,
                ::std::string::String,
            >,
            product_id: ::std::result::Result<
                ::std::option::Option<::std::string::String>,
                ::std::string::String,
            >,
            quantity: ::std::result::Result<
                ::std::option::Option<f64>,
                ::std::string::String,
            >,
        }
        impl ::std::default::Default for OrderItem {
            fn default() -> Self {
                Self {
                    item_id: Ok(Default::default()),
                    item_price: Ok(Default::default()),
                    product_id: Ok(Default::default()),
                    quantity: Ok(Default::default()),
                }
            }
        }
        impl OrderItem {
            pub fn item_id<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::option::Option<::std::string::String>>,
                T::Error: ::std::fmt::Display,
            {
                self.item_id = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for item_id: {e}")
                    });
                self
            }
            pub fn item_price<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::option::Option<f64>>,
                T::Error: ::std::fmt::Display,
            {
                self.item_price = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for item_price: {e}")
                    });
                self
            }
            pub fn product_id<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::option::Option<::std::string::String>>,
                T::Error: ::std::fmt::Display,
            {
                self.product_id = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for product_id: {e}")
                    });
                self
            }
            pub fn quantity<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::option::Option<f64>>,
                T::Error: ::std::fmt::Display,
            {
                self.quantity = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for quantity: {e}")
                    });
                self
            }
        }
        impl ::std::convert::TryFrom<OrderItem> for super::OrderItem {
            type Error = super::error::ConversionError;
            fn try_from(
                value: OrderItem,
            ) -> ::std::result::Result<Self, super::error::ConversionError> {
                Ok(Self {
                    item_id: value.item_id?,
                    item_price: value.item_price?,
                    product_id: value.product_id?,
                    quantity: value.quantity?,
                })
            }
        }
        impl ::std::convert::From<super::OrderItem> for OrderItem {
            fn from(value: super::OrderItem) -> Self {
                Self {
                    item_id: Ok(value.item_id),
                    item_price: Ok(value.item_price),
                    product_id: Ok(value.product_id),
                    quantity: Ok(value.quantity),
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
/**Client for Order Service API

API that allows to perform CRUD operations for order information stored in a database. Errors are RFC 9457 problem details (application/problem+json) carrying the request id.

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
    /**Get a list of Orders

This function retrieves all orders.

Sends a `GET` request to `/api/v1/order`

Arguments:
- `page`: page (0-based); with size, returns that page only
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
    /**Create Order

This function creates a new order.

Sends a `POST` request to `/api/v1/order`

Arguments:
- `idempotency_key`: Repeats of the same key and body return the first result; the same key with another body answers 422.
- `x_request_id`: Correlation id; echoed on the response and carried into logs and events. Generated when absent.
- `body`
```ignore
let response = client.create_using_post()
    .idempotency_key(idempotency_key)
    .x_request_id(x_request_id)
    .body(body)
    .send()
    .await;
```*/
    pub fn create_using_post(&self) -> builder::CreateUsingPost<'_> {
        builder::CreateUsingPost::new(self)
    }
    /**Delete all orders

This function deletes all orders.

Sends a `DELETE` request to `/api/v1/order`

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
    /**Read Order by ID

This function reads a single order.

Sends a `GET` request to `/api/v1/order/{orderID}`

Arguments:
- `order_id`: id of the order
- `x_request_id`: Correlation id; echoed on the response and carried into logs and events. Generated when absent.
```ignore
let response = client.read_using_get()
    .order_id(order_id)
    .x_request_id(x_request_id)
    .send()
    .await;
```*/
    pub fn read_using_get(&self) -> builder::ReadUsingGet<'_> {
        builder::ReadUsingGet::new(self)
    }
    /**Update Order

This function updates an order. This does not support delta updates.

Sends a `PUT` request to `/api/v1/order/{orderID}`

Arguments:
- `order_id`: id
- `if_match`: ETag of the version this write is based on; a stale value answers 412 and changes nothing.
- `x_request_id`: Correlation id; echoed on the response and carried into logs and events. Generated when absent.
- `body`
```ignore
let response = client.upsert_using_put()
    .order_id(order_id)
    .if_match(if_match)
    .x_request_id(x_request_id)
    .body(body)
    .send()
    .await;
```*/
    pub fn upsert_using_put(&self) -> builder::UpsertUsingPut<'_> {
        builder::UpsertUsingPut::new(self)
    }
    /**Delete Order by ID

This function deletes a single order.

Sends a `DELETE` request to `/api/v1/order/{orderID}`

Arguments:
- `order_id`: id
- `if_match`: ETag of the version this write is based on; a stale value answers 412 and changes nothing.
- `x_request_id`: Correlation id; echoed on the response and carried into logs and events. Generated when absent.
```ignore
let response = client.delete_using_delete()
    .order_id(order_id)
    .if_match(if_match)
    .x_request_id(x_request_id)
    .send()
    .await;
```*/
    pub fn delete_using_delete(&self) -> builder::DeleteUsingDelete<'_> {
        builder::DeleteUsingDelete::new(self)
    }
    /**Update Order

This function updates a single order. This does support delta updates.

Sends a `PATCH` request to `/api/v1/order/{orderID}`

Arguments:
- `order_id`: id
- `if_match`: ETag of the version this write is based on; a stale value answers 412 and changes nothing.
- `x_request_id`: Correlation id; echoed on the response and carried into logs and events. Generated when absent.
- `body`
```ignore
let response = client.delta_update_using_patch()
    .order_id(order_id)
    .if_match(if_match)
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
        ///Sends a `GET` request to `/api/v1/order`
        pub async fn send(
            self,
        ) -> Result<
            ResponseValue<::std::vec::Vec<types::Order>>,
            Error<types::Problem>,
        > {
            let Self { client, page, size, x_request_id } = self;
            let page = page.map_err(Error::InvalidRequest)?;
            let size = size.map_err(Error::InvalidRequest)?;
            let x_request_id = x_request_id.map_err(Error::InvalidRequest)?;
            let url = format!("{}/api/v1/order", client.baseurl,);
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
        idempotency_key: Result<Option<types::CreateUsingPostIdempotencyKey>, String>,
        x_request_id: Result<Option<types::CreateUsingPostXRequestId>, String>,
        body: Result<types::builder::InputOrder, String>,
    }
    impl<'a> CreateUsingPost<'a> {
        pub fn new(client: &'a super::Client) -> Self {
            Self {
                client: client,
                idempotency_key: Ok(None),
                x_request_id: Ok(None),
                body: Ok(::std::default::Default::default()),
            }
        }
        pub fn idempotency_key<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<types::CreateUsingPostIdempotencyKey>,
        {
            self.idempotency_key = value
                .try_into()
                .map(Some)
                .map_err(|_| {
                    "conversion to `CreateUsingPostIdempotencyKey` for idempotency_key failed"
                        .to_string()
                });
            self
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
            V: std::convert::TryInto<types::InputOrder>,
            <V as std::convert::TryInto<types::InputOrder>>::Error: std::fmt::Display,
        {
            self.body = value
                .try_into()
                .map(From::from)
                .map_err(|s| {
                    format!("conversion to `InputOrder` for body failed: {}", s)
                });
            self
        }
        pub fn body_map<F>(mut self, f: F) -> Self
        where
            F: std::ops::FnOnce(
                types::builder::InputOrder,
            ) -> types::builder::InputOrder,
        {
            self.body = self.body.map(f);
            self
        }
        ///Sends a `POST` request to `/api/v1/order`
        pub async fn send(
            self,
        ) -> Result<ResponseValue<types::Order>, Error<types::Problem>> {
            let Self { client, idempotency_key, x_request_id, body } = self;
            let idempotency_key = idempotency_key.map_err(Error::InvalidRequest)?;
            let x_request_id = x_request_id.map_err(Error::InvalidRequest)?;
            let body = body
                .and_then(|v| types::InputOrder::try_from(v).map_err(|e| e.to_string()))
                .map_err(Error::InvalidRequest)?;
            let url = format!("{}/api/v1/order", client.baseurl,);
            let mut header_map = ::reqwest::header::HeaderMap::with_capacity(3usize);
            header_map
                .append(
                    ::reqwest::header::HeaderName::from_static("api-version"),
                    ::reqwest::header::HeaderValue::from_static(
                        super::Client::api_version(),
                    ),
                );
            if let Some(value) = idempotency_key {
                header_map.append("Idempotency-Key", value.to_string().try_into()?);
            }
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
                422u16 => {
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
        ///Sends a `DELETE` request to `/api/v1/order`
        pub async fn send(
            self,
        ) -> Result<ResponseValue<types::Order>, Error<types::Problem>> {
            let Self { client, x_request_id } = self;
            let x_request_id = x_request_id.map_err(Error::InvalidRequest)?;
            let url = format!("{}/api/v1/order", client.baseurl,);
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
    /**Builder for [`Client::read_using_get`]

[`Client::read_using_get`]: super::Client::read_using_get*/
    #[derive(Debug, Clone)]
    pub struct ReadUsingGet<'a> {
        client: &'a super::Client,
        order_id: Result<::std::string::String, String>,
        x_request_id: Result<Option<types::ReadUsingGetXRequestId>, String>,
    }
    impl<'a> ReadUsingGet<'a> {
        pub fn new(client: &'a super::Client) -> Self {
            Self {
                client: client,
                order_id: Err("order_id was not initialized".to_string()),
                x_request_id: Ok(None),
            }
        }
        pub fn order_id<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<::std::string::String>,
        {
            self.order_id = value
                .try_into()
                .map_err(|_| {
                    "conversion to `:: std :: string :: String` for order_id failed"
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
        ///Sends a `GET` request to `/api/v1/order/{orderID}`
        pub async fn send(
            self,
        ) -> Result<ResponseValue<types::Order>, Error<types::Problem>> {
            let Self { client, order_id, x_request_id } = self;
            let order_id = order_id.map_err(Error::InvalidRequest)?;
            let x_request_id = x_request_id.map_err(Error::InvalidRequest)?;
            let url = format!(
                "{}/api/v1/order/{}", client.baseurl, encode_path(& order_id
                .to_string()),
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
        order_id: Result<::std::string::String, String>,
        if_match: Result<Option<::std::string::String>, String>,
        x_request_id: Result<Option<types::UpsertUsingPutXRequestId>, String>,
        body: Result<types::builder::InputOrder, String>,
    }
    impl<'a> UpsertUsingPut<'a> {
        pub fn new(client: &'a super::Client) -> Self {
            Self {
                client: client,
                order_id: Err("order_id was not initialized".to_string()),
                if_match: Ok(None),
                x_request_id: Ok(None),
                body: Ok(::std::default::Default::default()),
            }
        }
        pub fn order_id<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<::std::string::String>,
        {
            self.order_id = value
                .try_into()
                .map_err(|_| {
                    "conversion to `:: std :: string :: String` for order_id failed"
                        .to_string()
                });
            self
        }
        pub fn if_match<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<::std::string::String>,
        {
            self.if_match = value
                .try_into()
                .map(Some)
                .map_err(|_| {
                    "conversion to `:: std :: string :: String` for if_match failed"
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
            V: std::convert::TryInto<types::InputOrder>,
            <V as std::convert::TryInto<types::InputOrder>>::Error: std::fmt::Display,
        {
            self.body = value
                .try_into()
                .map(From::from)
                .map_err(|s| {
                    format!("conversion to `InputOrder` for body failed: {}", s)
                });
            self
        }
        pub fn body_map<F>(mut self, f: F) -> Self
        where
            F: std::ops::FnOnce(
                types::builder::InputOrder,
            ) -> types::builder::InputOrder,
        {
            self.body = self.body.map(f);
            self
        }
        ///Sends a `PUT` request to `/api/v1/order/{orderID}`
        pub async fn send(
            self,
        ) -> Result<ResponseValue<types::Order>, Error<types::Problem>> {
            let Self { client, order_id, if_match, x_request_id, body } = self;
            let order_id = order_id.map_err(Error::InvalidRequest)?;
            let if_match = if_match.map_err(Error::InvalidRequest)?;
            let x_request_id = x_request_id.map_err(Error::InvalidRequest)?;
            let body = body
                .and_then(|v| types::InputOrder::try_from(v).map_err(|e| e.to_string()))
                .map_err(Error::InvalidRequest)?;
            let url = format!(
                "{}/api/v1/order/{}", client.baseurl, encode_path(& order_id
                .to_string()),
            );
            let mut header_map = ::reqwest::header::HeaderMap::with_capacity(3usize);
            header_map
                .append(
                    ::reqwest::header::HeaderName::from_static("api-version"),
                    ::reqwest::header::HeaderValue::from_static(
                        super::Client::api_version(),
                    ),
                );
            if let Some(value) = if_match {
                header_map.append("If-Match", value.to_string().try_into()?);
            }
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
                412u16 => {
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
                422u16 => {
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
        order_id: Result<::std::string::String, String>,
        if_match: Result<Option<::std::string::String>, String>,
        x_request_id: Result<Option<types::DeleteUsingDeleteXRequestId>, String>,
    }
    impl<'a> DeleteUsingDelete<'a> {
        pub fn new(client: &'a super::Client) -> Self {
            Self {
                client: client,
                order_id: Err("order_id was not initialized".to_string()),
                if_match: Ok(None),
                x_request_id: Ok(None),
            }
        }
        pub fn order_id<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<::std::string::String>,
        {
            self.order_id = value
                .try_into()
                .map_err(|_| {
                    "conversion to `:: std :: string :: String` for order_id failed"
                        .to_string()
                });
            self
        }
        pub fn if_match<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<::std::string::String>,
        {
            self.if_match = value
                .try_into()
                .map(Some)
                .map_err(|_| {
                    "conversion to `:: std :: string :: String` for if_match failed"
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
        ///Sends a `DELETE` request to `/api/v1/order/{orderID}`
        pub async fn send(
            self,
        ) -> Result<ResponseValue<types::Order>, Error<types::Problem>> {
            let Self { client, order_id, if_match, x_request_id } = self;
            let order_id = order_id.map_err(Error::InvalidRequest)?;
            let if_match = if_match.map_err(Error::InvalidRequest)?;
            let x_request_id = x_request_id.map_err(Error::InvalidRequest)?;
            let url = format!(
                "{}/api/v1/order/{}", client.baseurl, encode_path(& order_id
                .to_string()),
            );
            let mut header_map = ::reqwest::header::HeaderMap::with_capacity(3usize);
            header_map
                .append(
                    ::reqwest::header::HeaderName::from_static("api-version"),
                    ::reqwest::header::HeaderValue::from_static(
                        super::Client::api_version(),
                    ),
                );
            if let Some(value) = if_match {
                header_map.append("If-Match", value.to_string().try_into()?);
            }
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
                409u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                412u16 => {
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
        order_id: Result<::std::string::String, String>,
        if_match: Result<Option<::std::string::String>, String>,
        x_request_id: Result<Option<types::DeltaUpdateUsingPatchXRequestId>, String>,
        body: Result<types::builder::InputOrder, String>,
    }
    impl<'a> DeltaUpdateUsingPatch<'a> {
        pub fn new(client: &'a super::Client) -> Self {
            Self {
                client: client,
                order_id: Err("order_id was not initialized".to_string()),
                if_match: Ok(None),
                x_request_id: Ok(None),
                body: Ok(::std::default::Default::default()),
            }
        }
        pub fn order_id<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<::std::string::String>,
        {
            self.order_id = value
                .try_into()
                .map_err(|_| {
                    "conversion to `:: std :: string :: String` for order_id failed"
                        .to_string()
                });
            self
        }
        pub fn if_match<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<::std::string::String>,
        {
            self.if_match = value
                .try_into()
                .map(Some)
                .map_err(|_| {
                    "conversion to `:: std :: string :: String` for if_match failed"
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
            V: std::convert::TryInto<types::InputOrder>,
            <V as std::convert::TryInto<types::InputOrder>>::Error: std::fmt::Display,
        {
            self.body = value
                .try_into()
                .map(From::from)
                .map_err(|s| {
                    format!("conversion to `InputOrder` for body failed: {}", s)
                });
            self
        }
        pub fn body_map<F>(mut self, f: F) -> Self
        where
            F: std::ops::FnOnce(
                types::builder::InputOrder,
            ) -> types::builder::InputOrder,
        {
            self.body = self.body.map(f);
            self
        }
        ///Sends a `PATCH` request to `/api/v1/order/{orderID}`
        pub async fn send(
            self,
        ) -> Result<ResponseValue<types::Order>, Error<types::Problem>> {
            let Self { client, order_id, if_match, x_request_id, body } = self;
            let order_id = order_id.map_err(Error::InvalidRequest)?;
            let if_match = if_match.map_err(Error::InvalidRequest)?;
            let x_request_id = x_request_id.map_err(Error::InvalidRequest)?;
            let body = body
                .and_then(|v| types::InputOrder::try_from(v).map_err(|e| e.to_string()))
                .map_err(Error::InvalidRequest)?;
            let url = format!(
                "{}/api/v1/order/{}", client.baseurl, encode_path(& order_id
                .to_string()),
            );
            let mut header_map = ::reqwest::header::HeaderMap::with_capacity(3usize);
            header_map
                .append(
                    ::reqwest::header::HeaderName::from_static("api-version"),
                    ::reqwest::header::HeaderValue::from_static(
                        super::Client::api_version(),
                    ),
                );
            if let Some(value) = if_match {
                header_map.append("If-Match", value.to_string().try_into()?);
            }
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
                412u16 => {
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
                422u16 => {
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
