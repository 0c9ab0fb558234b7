import EddySDK

/// The `orders` plugin: orders (keyed by customer id, the value the item) enriched with the
/// customer's name from the `customers` table by a stream–table left join, written to
/// `customer-orders`; every change of the table is also written to `customers-seen`.
public enum OrdersPlugin: Plugin {
    public static let name = "orders"
    public static let version = "1.0.0"
    public static let doc: String? = "Orders joined with their customers (a DSL stream-table join)."

    public static func topology(_ builder: StreamsBuilder) {
        let customers = builder.table("customers", key: .string, value: .string, materialized: .as("customers-store"))
        customers.toStream().to("customers-seen")
        builder.stream("orders", key: .string, value: .string)
            .leftJoin(customers, value: .string, named: "orders-with-customers") { item, customer in
                "\(item) for \(customer ?? "an unknown customer")"
            }
            .to("customer-orders")
    }
}

@_cdecl("eddy_plugin_v1")
public func eddyPlugin() -> UnsafeRawPointer { OrdersPlugin.export() }
