using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Teski.Infrastructure.V2.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class TeskiAdditions : Microsoft.EntityFrameworkCore.Migrations.Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "legacy_row_link",
                columns: table => new
                {
                    entity = table.Column<string>(type: "VARCHAR", nullable: false),
                    legacy_id = table.Column<string>(type: "VARCHAR", nullable: false),
                    v2_id = table.Column<string>(type: "CHAR(32)", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_legacy_row_link", x => new { x.entity, x.legacy_id });
                });

            migrationBuilder.CreateTable(
                name: "legacy_task_detail",
                columns: table => new
                {
                    task_id = table.Column<string>(type: "CHAR(32)", nullable: false),
                    detail = table.Column<string>(type: "JSON", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_legacy_task_detail", x => x.task_id);
                    table.ForeignKey(
                        name: "FK_legacy_task_detail_task_task_id",
                        column: x => x.task_id,
                        principalTable: "task",
                        principalColumn: "id");
                });

            migrationBuilder.CreateTable(
                name: "migration_checkpoint",
                columns: table => new
                {
                    entity = table.Column<string>(type: "VARCHAR", nullable: false),
                    last_legacy_id = table.Column<string>(type: "VARCHAR", nullable: true),
                    rows_done = table.Column<long>(type: "BIGINT", nullable: false),
                    completed = table.Column<bool>(type: "BOOLEAN", nullable: false),
                    updated_at = table.Column<string>(type: "DATETIME", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_migration_checkpoint", x => x.entity);
                });

            migrationBuilder.CreateTable(
                name: "teski_mirror_applied",
                columns: table => new
                {
                    record_id = table.Column<string>(type: "CHAR(32)", nullable: false),
                    applied_at = table.Column<string>(type: "DATETIME", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_teski_mirror_applied", x => x.record_id);
                });

            migrationBuilder.CreateTable(
                name: "teski_mirror_backlog",
                columns: table => new
                {
                    seq = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    id = table.Column<string>(type: "CHAR(32)", nullable: false),
                    stream = table.Column<string>(type: "VARCHAR", nullable: false),
                    kind = table.Column<string>(type: "VARCHAR", nullable: false),
                    payload = table.Column<string>(type: "JSON", nullable: false),
                    created_at = table.Column<string>(type: "DATETIME", nullable: false),
                    attempts = table.Column<int>(type: "INTEGER", nullable: false),
                    next_attempt_at = table.Column<string>(type: "DATETIME", nullable: false),
                    last_error = table.Column<string>(type: "VARCHAR", nullable: true),
                    applied_at = table.Column<string>(type: "DATETIME", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_teski_mirror_backlog", x => x.seq);
                });

            migrationBuilder.CreateIndex(
                name: "teski_ix_xpevent_user_ts",
                table: "xpevent",
                columns: new[] { "user_id", "ts" });

            migrationBuilder.CreateIndex(
                name: "teski_ix_reviewlog_memory_reviewed",
                table: "reviewlog",
                columns: new[] { "memory_id", "reviewed_at" });

            migrationBuilder.CreateIndex(
                name: "teski_ix_reviewlog_user_reviewed",
                table: "reviewlog",
                columns: new[] { "user_id", "reviewed_at" });

            migrationBuilder.CreateIndex(
                name: "teski_ux_personastate_user",
                table: "personastate",
                column: "user_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "teski_ix_mistake_user_created",
                table: "mistake",
                columns: new[] { "user_id", "created_at" });

            migrationBuilder.CreateIndex(
                name: "teski_ix_memoryitem_user_due",
                table: "memoryitem",
                columns: new[] { "user_id", "due_at" });

            migrationBuilder.CreateIndex(
                name: "teski_ux_memoryitem_user_concept",
                table: "memoryitem",
                columns: new[] { "user_id", "concept" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "teski_ix_legacy_user_map_user",
                table: "legacy_user_map",
                column: "user_id");

            migrationBuilder.CreateIndex(
                name: "teski_ix_legacy_task_map_task",
                table: "legacy_task_map",
                column: "task_id");

            migrationBuilder.CreateIndex(
                name: "teski_ux_badge_user_kind",
                table: "badge",
                columns: new[] { "user_id", "kind" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "teski_ix_analyticsevent_user_ts",
                table: "analyticsevent",
                columns: new[] { "user_id", "ts" });

            migrationBuilder.CreateIndex(
                name: "teski_ux_abtestassignment_user_experiment",
                table: "abtestassignment",
                columns: new[] { "user_id", "experiment" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "teski_ix_mirror_backlog_stream_seq",
                table: "teski_mirror_backlog",
                columns: new[] { "stream", "seq" });

            migrationBuilder.CreateIndex(
                name: "teski_ux_mirror_backlog_id",
                table: "teski_mirror_backlog",
                column: "id",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "legacy_row_link");

            migrationBuilder.DropTable(
                name: "legacy_task_detail");

            migrationBuilder.DropTable(
                name: "migration_checkpoint");

            migrationBuilder.DropTable(
                name: "teski_mirror_applied");

            migrationBuilder.DropTable(
                name: "teski_mirror_backlog");

            migrationBuilder.DropIndex(
                name: "teski_ix_xpevent_user_ts",
                table: "xpevent");

            migrationBuilder.DropIndex(
                name: "teski_ix_reviewlog_memory_reviewed",
                table: "reviewlog");

            migrationBuilder.DropIndex(
                name: "teski_ix_reviewlog_user_reviewed",
                table: "reviewlog");

            migrationBuilder.DropIndex(
                name: "teski_ux_personastate_user",
                table: "personastate");

            migrationBuilder.DropIndex(
                name: "teski_ix_mistake_user_created",
                table: "mistake");

            migrationBuilder.DropIndex(
                name: "teski_ix_memoryitem_user_due",
                table: "memoryitem");

            migrationBuilder.DropIndex(
                name: "teski_ux_memoryitem_user_concept",
                table: "memoryitem");

            migrationBuilder.DropIndex(
                name: "teski_ix_legacy_user_map_user",
                table: "legacy_user_map");

            migrationBuilder.DropIndex(
                name: "teski_ix_legacy_task_map_task",
                table: "legacy_task_map");

            migrationBuilder.DropIndex(
                name: "teski_ux_badge_user_kind",
                table: "badge");

            migrationBuilder.DropIndex(
                name: "teski_ix_analyticsevent_user_ts",
                table: "analyticsevent");

            migrationBuilder.DropIndex(
                name: "teski_ux_abtestassignment_user_experiment",
                table: "abtestassignment");
        }
    }
}
