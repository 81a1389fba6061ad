import Yams

extension Node {
    /// The resolved tag (`int`, `bool`, `null`, `str`…): what a plain scalar reads as. Quoted
    /// scalars are strings. (Yams 5.0 keeps `Tag.name` internal; its description is the name.)
    var tagName: Tag.Name { Tag.Name(rawValue: tag.description) }
}
