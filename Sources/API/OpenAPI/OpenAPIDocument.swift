/// The OpenAPI 3.1 description of the recorder's HTTP API, served at `/openapi.yaml`.
/// `openapi.yaml` beside this file is the one owner of the text; SwiftPM embeds it in the binary at
/// build time (`.embedInCode` in Package.swift), so an installed executable serves it without the
/// source tree. `OpenAPIContractTests` parses and validates it and checks it against the router.
public enum OpenAPIDocument {
    public static let yaml = String(decoding: PackageResources.openapi_yaml, as: UTF8.self)
}
