import Foundation

/// Opens the store a `--database` value names.
public enum RAStore {
    /// `postgres://…` or `postgresql://…` (see `PostgresRepository.Location`): PostgreSQL, with
    /// `password` (from a file or the environment, never the URL); anything else: a SQLite file path.
    /// - Throws: `PostgresLocationError` for an unusable URL; the store's errors when it cannot be
    ///   opened, reached or migrated.
    public static func open(_ database: String, password: String? = nil) async throws -> any RARepository {
        if isPostgres(database) {
            return try await PostgresRepository(location: try PostgresRepository.Location(url: database), password: password)
        }
        return try SQLiteRepository(path: database)
    }

    /// Whether `database` names a PostgreSQL database.
    public static func isPostgres(_ database: String) -> Bool {
        let lower = database.lowercased()
        return lower.hasPrefix("postgres://") || lower.hasPrefix("postgresql://")
    }
}
