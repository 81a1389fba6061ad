/// A plain answer: `{"Message": "OK"}` (`GET /api/F2F/Service`).
struct MessageBody: Encodable {
    var message: String
    enum CodingKeys: String, CodingKey { case message = "Message" }
}
