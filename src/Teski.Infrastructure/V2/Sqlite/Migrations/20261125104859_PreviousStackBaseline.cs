using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Teski.Infrastructure.V2.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class PreviousStackBaseline : Microsoft.EntityFrameworkCore.Migrations.Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "user",
                columns: table => new
                {
                    id = table.Column<string>(type: "CHAR(32)", nullable: false),
                    created_at = table.Column<string>(type: "DATETIME", nullable: false),
                    timezone = table.Column<string>(type: "VARCHAR", nullable: false),
                    display_name = table.Column<string>(type: "VARCHAR", nullable: true),
                    email = table.Column<string>(type: "VARCHAR(255)", maxLength: 255, nullable: true),
                    streak_days = table.Column<int>(type: "INTEGER", nullable: false),
                    last_streak_at = table.Column<string>(type: "DATETIME", nullable: true),
                    persona = table.Column<string>(type: "VARCHAR", nullable: true),
                    is_pro = table.Column<bool>(type: "BOOLEAN", nullable: false),
                    pro_until = table.Column<string>(type: "DATETIME", nullable: true),
                    institution_id = table.Column<string>(type: "VARCHAR(36)", maxLength: 36, nullable: true),
                    analytics_consent = table.Column<bool>(type: "BOOLEAN", nullable: false, defaultValue: true),
                    is_institution_admin = table.Column<bool>(type: "BOOLEAN", nullable: false, defaultValue: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_user", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "abtestassignment",
                columns: table => new
                {
                    id = table.Column<string>(type: "CHAR(32)", nullable: false),
                    user_id = table.Column<string>(type: "CHAR(32)", nullable: false),
                    experiment = table.Column<string>(type: "VARCHAR", nullable: false),
                    bucket = table.Column<string>(type: "VARCHAR", nullable: false),
                    assigned_at = table.Column<string>(type: "DATETIME", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_abtestassignment", x => x.id);
                    table.ForeignKey(
                        name: "FK_abtestassignment_user_user_id",
                        column: x => x.user_id,
                        principalTable: "user",
                        principalColumn: "id");
                });

            migrationBuilder.CreateTable(
                name: "analyticsevent",
                columns: table => new
                {
                    id = table.Column<string>(type: "CHAR(32)", nullable: false),
                    user_id = table.Column<string>(type: "CHAR(32)", nullable: true),
                    kind = table.Column<string>(type: "VARCHAR", nullable: false),
                    payload = table.Column<string>(type: "JSON", nullable: false),
                    ts = table.Column<string>(type: "DATETIME", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_analyticsevent", x => x.id);
                    table.ForeignKey(
                        name: "FK_analyticsevent_user_user_id",
                        column: x => x.user_id,
                        principalTable: "user",
                        principalColumn: "id");
                });

            migrationBuilder.CreateTable(
                name: "badge",
                columns: table => new
                {
                    id = table.Column<string>(type: "CHAR(32)", nullable: false),
                    user_id = table.Column<string>(type: "CHAR(32)", nullable: false),
                    kind = table.Column<string>(type: "VARCHAR", nullable: false),
                    acquired_at = table.Column<string>(type: "DATETIME", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_badge", x => x.id);
                    table.ForeignKey(
                        name: "FK_badge_user_user_id",
                        column: x => x.user_id,
                        principalTable: "user",
                        principalColumn: "id");
                });

            migrationBuilder.CreateTable(
                name: "legacy_user_map",
                columns: table => new
                {
                    legacy_user_id = table.Column<int>(type: "INTEGER", nullable: false),
                    user_id = table.Column<string>(type: "CHAR(32)", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_legacy_user_map", x => x.legacy_user_id);
                    table.ForeignKey(
                        name: "FK_legacy_user_map_user_user_id",
                        column: x => x.user_id,
                        principalTable: "user",
                        principalColumn: "id");
                });

            migrationBuilder.CreateTable(
                name: "personastate",
                columns: table => new
                {
                    id = table.Column<string>(type: "CHAR(32)", nullable: false),
                    user_id = table.Column<string>(type: "CHAR(32)", nullable: false),
                    persona = table.Column<string>(type: "VARCHAR", nullable: false),
                    warmup_ts = table.Column<string>(type: "DATETIME", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_personastate", x => x.id);
                    table.ForeignKey(
                        name: "FK_personastate_user_user_id",
                        column: x => x.user_id,
                        principalTable: "user",
                        principalColumn: "id");
                });

            migrationBuilder.CreateTable(
                name: "task",
                columns: table => new
                {
                    id = table.Column<string>(type: "CHAR(32)", nullable: false),
                    user_id = table.Column<string>(type: "CHAR(32)", nullable: false),
                    title = table.Column<string>(type: "VARCHAR", nullable: false),
                    course = table.Column<string>(type: "VARCHAR", nullable: true),
                    due_at = table.Column<string>(type: "DATETIME", nullable: false),
                    created_at = table.Column<string>(type: "DATETIME", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_task", x => x.id);
                    table.ForeignKey(
                        name: "FK_task_user_user_id",
                        column: x => x.user_id,
                        principalTable: "user",
                        principalColumn: "id");
                });

            migrationBuilder.CreateTable(
                name: "xpevent",
                columns: table => new
                {
                    id = table.Column<string>(type: "CHAR(32)", nullable: false),
                    user_id = table.Column<string>(type: "CHAR(32)", nullable: false),
                    amount = table.Column<int>(type: "INTEGER", nullable: false),
                    reason = table.Column<string>(type: "VARCHAR", nullable: false),
                    ts = table.Column<string>(type: "DATETIME", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_xpevent", x => x.id);
                    table.ForeignKey(
                        name: "FK_xpevent_user_user_id",
                        column: x => x.user_id,
                        principalTable: "user",
                        principalColumn: "id");
                });

            migrationBuilder.CreateTable(
                name: "legacy_task_map",
                columns: table => new
                {
                    legacy_task_id = table.Column<string>(type: "VARCHAR", nullable: false),
                    task_id = table.Column<string>(type: "CHAR(32)", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_legacy_task_map", x => x.legacy_task_id);
                    table.ForeignKey(
                        name: "FK_legacy_task_map_task_task_id",
                        column: x => x.task_id,
                        principalTable: "task",
                        principalColumn: "id");
                });

            migrationBuilder.CreateTable(
                name: "memoryitem",
                columns: table => new
                {
                    id = table.Column<string>(type: "CHAR(32)", nullable: false),
                    user_id = table.Column<string>(type: "CHAR(32)", nullable: false),
                    task_id = table.Column<string>(type: "CHAR(32)", nullable: true),
                    concept = table.Column<string>(type: "VARCHAR", nullable: false),
                    ease = table.Column<double>(type: "FLOAT", nullable: false),
                    interval = table.Column<int>(type: "INTEGER", nullable: false),
                    due_at = table.Column<string>(type: "DATETIME", nullable: false),
                    stability = table.Column<double>(type: "FLOAT", nullable: false),
                    difficulty = table.Column<double>(type: "FLOAT", nullable: false),
                    lapses = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_memoryitem", x => x.id);
                    table.ForeignKey(
                        name: "FK_memoryitem_task_task_id",
                        column: x => x.task_id,
                        principalTable: "task",
                        principalColumn: "id");
                    table.ForeignKey(
                        name: "FK_memoryitem_user_user_id",
                        column: x => x.user_id,
                        principalTable: "user",
                        principalColumn: "id");
                });

            migrationBuilder.CreateTable(
                name: "mistake",
                columns: table => new
                {
                    id = table.Column<string>(type: "CHAR(32)", nullable: false),
                    user_id = table.Column<string>(type: "CHAR(32)", nullable: false),
                    task_id = table.Column<string>(type: "CHAR(32)", nullable: true),
                    concept = table.Column<string>(type: "VARCHAR", nullable: false),
                    subtype = table.Column<string>(type: "VARCHAR", nullable: false),
                    raw = table.Column<string>(type: "TEXT", nullable: false),
                    created_at = table.Column<string>(type: "DATETIME", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_mistake", x => x.id);
                    table.ForeignKey(
                        name: "FK_mistake_task_task_id",
                        column: x => x.task_id,
                        principalTable: "task",
                        principalColumn: "id");
                    table.ForeignKey(
                        name: "FK_mistake_user_user_id",
                        column: x => x.user_id,
                        principalTable: "user",
                        principalColumn: "id");
                });

            migrationBuilder.CreateTable(
                name: "reviewlog",
                columns: table => new
                {
                    id = table.Column<string>(type: "CHAR(32)", nullable: false),
                    user_id = table.Column<string>(type: "CHAR(32)", nullable: false),
                    memory_id = table.Column<string>(type: "CHAR(32)", nullable: false),
                    grade = table.Column<int>(type: "INTEGER", nullable: false),
                    scheduled_for = table.Column<string>(type: "DATETIME", nullable: false),
                    reviewed_at = table.Column<string>(type: "DATETIME", nullable: false),
                    next_due_at = table.Column<string>(type: "DATETIME", nullable: false),
                    delta_seconds = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_reviewlog", x => x.id);
                    table.ForeignKey(
                        name: "FK_reviewlog_memoryitem_memory_id",
                        column: x => x.memory_id,
                        principalTable: "memoryitem",
                        principalColumn: "id");
                    table.ForeignKey(
                        name: "FK_reviewlog_user_user_id",
                        column: x => x.user_id,
                        principalTable: "user",
                        principalColumn: "id");
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "abtestassignment");

            migrationBuilder.DropTable(
                name: "analyticsevent");

            migrationBuilder.DropTable(
                name: "badge");

            migrationBuilder.DropTable(
                name: "legacy_task_map");

            migrationBuilder.DropTable(
                name: "legacy_user_map");

            migrationBuilder.DropTable(
                name: "mistake");

            migrationBuilder.DropTable(
                name: "personastate");

            migrationBuilder.DropTable(
                name: "reviewlog");

            migrationBuilder.DropTable(
                name: "xpevent");

            migrationBuilder.DropTable(
                name: "memoryitem");

            migrationBuilder.DropTable(
                name: "task");

            migrationBuilder.DropTable(
                name: "user");
        }
    }
}
