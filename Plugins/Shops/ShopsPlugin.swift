import EddySDK

/// The `shops` plugin: sales (keyed by sale id, the value `shop:item`) joined with the
/// `shops` global table (shop id → region) by a stream–global table join whose key selector
/// reads the shop from the sale — inner to `sales-by-region`, left to `sales-any-region`.
/// The global table's topic may have any partition count. Its stream functions serve the
/// application file's joins: `shop-of` (a sale's shop, as a key selector) and
/// `describe-sale` (a joiner of a JSON sale and a JSON shop).
public enum ShopsPlugin: Plugin {
    public static let name = "shops"
    public static let version = "1.0.0"
    public static let doc: String? = "Sales joined with the region of their shop (a DSL stream-global table join)."

    public static func topology(_ builder: StreamsBuilder) {
        let shops = builder.globalTable("shops", key: .string, value: .string, materialized: .as("shops-store"))
        let sales = builder.stream("sales", key: .string, value: .string)
        sales.join(shops, value: .string, named: "sales-with-region", keySelector: { _, sale in shop(of: sale) }) {
            sale, region in
            "\(item(of: sale)) in \(region)"
        }
        .to("sales-by-region")
        sales.leftJoin(
            shops, value: .string, named: "sales-with-any-region", keySelector: { _, sale in shop(of: sale) }
        ) { sale, region in
            "\(item(of: sale)) in \(region ?? "no known region")"
        }
        .to("sales-any-region")
    }

    /// A sale as the application file's JSON values carry it.
    public struct Sale: Codable, Sendable {
        public var shop: String
        public var item: String
    }

    /// A shop as the application file's JSON values carry it.
    public struct Shop: Codable, Sendable {
        public var name: String
    }

    public static let streamFunctions: [StreamFunction] = [
        .selectKey("shop-of", key: .string, value: .json(Sale.self), output: .string) { _, sale in sale.shop },
        .joiner("describe-sale", left: .json(Sale.self), right: .json(Shop.self), output: .string) { sale, shop in
            "\(sale?.item ?? "nothing") at \(shop?.name ?? "an unknown shop")"
        },
    ]

    static func shop(of sale: String) -> String { String(sale.prefix { $0 != ":" }) }

    static func item(of sale: String) -> String { String(sale.drop { $0 != ":" }.dropFirst()) }
}

@_cdecl("eddy_plugin_v1")
public func eddyPlugin() -> UnsafeRawPointer { ShopsPlugin.export() }
