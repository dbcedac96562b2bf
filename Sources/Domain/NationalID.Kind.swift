extension NationalID {
    /// Who the number was issued to, from its second digit.
    public enum Kind: Sendable, Hashable {
        /// A citizen's national ID card (second digit 1 or 2).
        case citizen
        /// A resident certificate of the 2021 format (second digit 8 or 9).
        case residentCertificate
    }
}
