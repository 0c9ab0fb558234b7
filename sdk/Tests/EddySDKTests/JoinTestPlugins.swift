import EddySDK

/// What every joiner of the join tests makes: `"X - Y"`, as Kafka Streams' join-semantics
/// tables write a result, with `null` for a missing side.
func joinedValue(_ left: String?, _ right: String?) -> String {
    "\(left ?? "null") - \(right ?? "null")"
}

/// One join of each kind and type, each over its own pair of topics (`<prefix>-left`,
/// `<prefix>-right`) writing `<prefix>-out`, for the reference scenario of Kafka Streams'
/// join semantics.
enum DSLJoins: Plugin {
    static let name = "dsl-joins"
    static let version = "1.0.0"

    static let windows = JoinWindows.ofTimeDifferenceAndNoGrace(15)

    static func topology(_ builder: StreamsBuilder) {
        func streams(_ prefix: String) -> (KStream<StringSerde, StringSerde>, KStream<StringSerde, StringSerde>) {
            (
                builder.stream("\(prefix)-left", key: .string, value: .string),
                builder.stream("\(prefix)-right", key: .string, value: .string)
            )
        }
        func tables(_ prefix: String) -> (KTable<StringSerde, StringSerde>, KTable<StringSerde, StringSerde>) {
            (
                builder.table(
                    "\(prefix)-left", key: .string, value: .string, materialized: .as("\(prefix)-left-store")),
                builder.table(
                    "\(prefix)-right", key: .string, value: .string, materialized: .as("\(prefix)-right-store"))
            )
        }

        var (left, right) = streams("ss-inner")
        left.join(right, windows, value: .string, named: "ss-inner-join") { joinedValue($0, $1) }.to("ss-inner-out")
        (left, right) = streams("ss-left")
        left.leftJoin(right, windows, value: .string, named: "ss-left-join") { joinedValue($0, $1) }.to("ss-left-out")
        (left, right) = streams("ss-outer")
        left.outerJoin(right, windows, value: .string, named: "ss-outer-join") { joinedValue($0, $1) }.to(
            "ss-outer-out")

        let innerTable = builder.table(
            "st-inner-right", key: .string, value: .string, materialized: .as("st-inner-table"))
        builder.stream("st-inner-left", key: .string, value: .string)
            .join(innerTable, value: .string, named: "st-inner-join") { joinedValue($0, $1) }.to("st-inner-out")
        let leftTable = builder.table("st-left-right", key: .string, value: .string)
        builder.stream("st-left-left", key: .string, value: .string)
            .leftJoin(leftTable, value: .string) { joinedValue($0, $1) }.to("st-left-out")

        var (leftTables, rightTables) = tables("tt-inner")
        leftTables.join(rightTables, value: .string) { joinedValue($0, $1) }.toStream().to("tt-inner-out")
        (leftTables, rightTables) = tables("tt-left")
        leftTables.leftJoin(rightTables, value: .string) { joinedValue($0, $1) }.toStream().to("tt-left-out")
        (leftTables, rightTables) = tables("tt-outer")
        leftTables.outerJoin(rightTables, value: .string) { joinedValue($0, $1) }.toStream().to("tt-outer-out")

        let innerGlobal = builder.globalTable(
            "sg-inner-right", key: .string, value: .string, materialized: .as("sg-inner-global"))
        builder.stream("sg-inner-left", key: .string, value: .string)
            .join(innerGlobal, value: .string, keySelector: { key, _ in key ?? "" }) { joinedValue($0, $1) }.to(
                "sg-inner-out")
        let leftGlobal = builder.globalTable(
            "sg-left-right", key: .string, value: .string, materialized: .as("sg-left-global"))
        builder.stream("sg-left-left", key: .string, value: .string)
            .leftJoin(leftGlobal, value: .string, keySelector: { key, _ in key ?? "" }) { joinedValue($0, $1) }.to(
                "sg-left-out")
    }
}

/// Enrichment after a key change: clicks keyed by click id carry the user in their value;
/// `selectKey` re-keys them by user, so the join with the users table repartitions first.
/// Orders are enriched from a global table of products through a key picked from the value.
enum DSLRekeyedJoins: Plugin {
    static let name = "dsl-rekeyed-joins"
    static let version = "1.0.0"

    static func topology(_ builder: StreamsBuilder) {
        let users = builder.table("users", key: .string, value: .string, materialized: .as("users-store"))
        builder.stream("clicks", key: .string, value: .string)
            .selectKey(.string) { _, user in user }
            .join(users, value: .string, named: "clicks-with-users") { user, name in "\(user) is \(name)" }
            .to("named-clicks")

        let products = builder.globalTable(
            "products", key: .string, value: .string, materialized: .as("products-store"))
        builder.stream("orders", key: .string, value: .string)
            .leftJoin(products, value: .string, keySelector: { _, order in String(order.split(separator: ":")[0]) }) {
                order, product in
                "\(order) (\(product ?? "unknown product"))"
            }
            .to("priced-orders")
    }
}

/// Orders (`"<product>:<quantity>"`) joined with the products they name, by foreign key: an
/// inner join over `fk-inner-orders`/`fk-inner-products` and a left join over
/// `fk-left-orders`/`fk-left-products`.
enum DSLForeignKeyJoins: Plugin {
    static let name = "dsl-foreign-key-joins"
    static let version = "1.0.0"

    static func topology(_ builder: StreamsBuilder) {
        // An order without a product ("none") refers to no product.
        func product(of order: String) -> String? { order.contains(":") ? String(order.split(separator: ":")[0]) : nil }
        var orders = builder.table(
            "fk-inner-orders", key: .string, value: .string, materialized: .as("fk-inner-orders-store"))
        var products = builder.table(
            "fk-inner-products", key: .string, value: .string, materialized: .as("fk-inner-products-store"))
        orders.join(products, value: .string, named: "fk-inner", foreignKey: product) { order, name in
            "\(order) with \(name)"
        }
        .toStream().to("fk-inner-out")
        orders = builder.table("fk-left-orders", key: .string, value: .string)
        products = builder.table("fk-left-products", key: .string, value: .string)
        orders.leftJoin(products, value: .string, named: "fk-left", foreignKey: product) { order, name in
            "\(order) with \(name ?? "null")"
        }
        .toStream().to("fk-left-out")
    }
}
