extension BackupFileName {
    /// How the customer's number is written in a new file name.
    public enum IDStyle: Sendable, Hashable {
        /// The whole number, `A123456789-TCFHCSEC(2021-01-21).pfx` (the broker app's import example).
        case full
        /// The number without its last three characters, `P100254XXX-TCFHCSEC(2022-05-05).pfx`
        /// (what the broker app proposes on export): a lost drive does not give the ID away.
        /// `X` rather than `*`, which FAT does not allow.
        case masked
    }
}
